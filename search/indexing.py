"""Outbox indexing: content writes add an OutboxEntry in their own transaction; the
worker sends entries in bulk with external versions (a stale update never overwrites
a newer one) and marks them sent once Elasticsearch has them; sent entries are purged
after KEEP_SENT."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import DocumentVersion, OutboxEntry

log = logging.getLogger("staffroom.search")
KINDS = ("idea", "course", "module", "thread")
SMALL_BATCH = 20
# Sent entries stay this long: a reindex replays every entry written since it started,
# including those the worker sent to the old index meanwhile. A reindex must finish
# within it (100,000 documents take about a minute).
KEEP_SENT = timedelta(hours=24)
PURGE_EVERY = 600  # seconds
# PostgreSQL NOTIFY channel: an outbox row's commit wakes the worker at once.
WAKE_CHANNEL = "search_outbox"


def enqueue(doc_type: str, object_id: int, action: str = "index") -> None:
    """Called inside the content's transaction; cheap, never touches Elasticsearch."""
    with transaction.atomic():
        row, _created = DocumentVersion.objects.select_for_update().get_or_create(
            doc_type=doc_type, object_id=object_id)
        DocumentVersion.objects.filter(pk=row.pk).update(version=F("version") + 1)
        row.refresh_from_db(fields=["version"])
        OutboxEntry.objects.create(doc_type=doc_type, object_id=object_id, action=action, version=row.version)
        if connection.vendor == "postgresql":
            # Delivered when the content's transaction commits, and only then; repeats
            # within one transaction fold into one.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_notify(%s, '')", [WAKE_CHANNEL])


def document_for(doc_type: str, object_id: int) -> dict | None:
    """The document body for one object, or None when it must not be searchable."""
    return documents_for(doc_type, [object_id]).get(object_id)


def documents_for(doc_type: str, object_ids) -> dict[int, dict]:
    """Document bodies for many objects of one type, in a few queries whatever their
    number; objects that must not be searchable are missing from the answer."""
    builder = {"idea": _idea_documents, "course": _course_documents, "module": _module_documents,
               "thread": _thread_documents}.get(doc_type)
    return builder(list(object_ids)) if builder else {}


def page_urls(url_paths: dict[int, str]) -> dict[int, str | None]:
    """Page URLs from their `url_path`s as Wagtail's `Page.url` builds them without
    a request, with the site root paths looked up once (`url` looks them up, or
    asks the cache, per page)."""
    from django.urls import NoReverseMatch, reverse
    from wagtail.models import Site

    roots = Site.get_site_root_paths()
    one_site = len({r.site_id for r in roots}) == 1
    urls: dict[int, str | None] = {}
    for pk, url_path in url_paths.items():
        root = next((r for r in roots if url_path.startswith(r.root_path)), None)
        try:
            path = reverse("wagtail_serve", args=(url_path[len(root.root_path):],)) if root else None
        except NoReverseMatch:
            path = None
        urls[pk] = path if path is None or one_site else root.root_url + path
    return urls


def grades(text: str) -> list[str]:
    return [g.strip() for g in text.split(",") if g.strip()]


def search_document(doc_type: str, title: str, summary: str, body: str, url, published_at, **fields) -> dict:
    """One search document: every field of the mapping, with the defaults of
    public, untagged, bokmål content."""
    return {"type": doc_type, "title": title, "summary": summary, "body": body, "url": url, "subject": None,
            "grade_bands": [], "tags": [], "competence_aims": [], "language": "nb", "external_id": None,
            "group_id": None, "tried_count": 0, "published_at": published_at, **fields}


def _page_document(doc_type: str, page, url, summary: str, body: str, course) -> dict:
    return search_document(doc_type, page.title, summary, body, url, page.first_published_at, subject=course.subject,
                     grade_bands=grades(course.grade_bands))


def _course_documents(ids: list[int]) -> dict[int, dict]:
    from staffroom.models import CoursePage

    courses = list(CoursePage.objects.live().public().filter(pk__in=ids))
    urls = page_urls({c.pk: c.url_path for c in courses})
    return {c.pk: _page_document("course", c, urls[c.pk], c.search_description,
                                 _html_text(c.introduction) + " " + _html_text(c.goals), c) for c in courses}


def _module_documents(ids: list[int]) -> dict[int, dict]:
    from staffroom.models import CoursePage, ModulePage

    modules = list(ModulePage.objects.live().public().filter(pk__in=ids))
    # A module's course is its parent page: one query for all their paths.
    parent_path = {m.pk: m.path[:-ModulePage.steplen] for m in modules}
    courses = {c.path: c for c in CoursePage.objects.filter(path__in=set(parent_path.values()))}
    urls = page_urls({m.pk: m.url_path for m in modules})
    return {m.pk: _page_document("module", m, urls[m.pk], m.lead, _body_text(m.body), courses[parent_path[m.pk]])
            for m in modules if parent_path[m.pk] in courses}


def _thread_documents(ids: list[int]) -> dict[int, dict]:
    from forums.models import Post, Thread

    threads = list(Thread.objects.select_related("category").filter(pk__in=ids, is_hidden=False))
    posts: dict[int, list[str]] = {}
    for thread_id, body in Post.objects.filter(thread__in=[t.pk for t in threads], deleted_at__isnull=True,
                                               is_hidden=False, is_held=False).values_list("thread_id", "body"):
        found = posts.setdefault(thread_id, [])
        if len(found) < 200:  # the opening of a long thread is what it is about
            found.append(body)
    return {t.pk: search_document("thread", t.title, "", " ".join(posts.get(t.pk, [])), t.get_absolute_url(),
                            t.created_at, group_id=t.category.group_id)
            for t in threads}


def idea_tags_and_aims(ids) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Tag names and competence aim codes per idea, in one query each whatever the
    number of ideas (modelcluster's prefetch clones a queryset per idea)."""
    from ideabank.models import IdeaPage, IdeaPageTag

    tags: dict[int, list[str]] = {}
    for idea_id, name in IdeaPageTag.objects.filter(content_object_id__in=ids).values_list(
            "content_object_id", "tag__name").order_by("pk"):
        tags.setdefault(idea_id, []).append(name)
    aims: dict[int, list[str]] = {}
    for idea_id, code in IdeaPage.competence_aims.through.objects.filter(ideapage_id__in=ids).values_list(
            "ideapage_id", "competenceaim__code"):
        aims.setdefault(idea_id, []).append(code)
    return tags, aims


IDEA_FIELDS = ("pk", "title", "summary", "url_path", "first_published_at", "subject", "grade_bands", "language",
               "external_id", "tried_count")


def _idea_documents(ids: list[int]) -> dict[int, dict]:
    from django.db.models import F, JSONField
    from django.db.models.functions import Cast

    from ideabank.models import IdeaPage

    # Plain rows, the body as its stored JSON: a reindex reads every idea, and page
    # instances with their StreamValues took most of the time (bench/search).
    ideas = {row["pk"]: row for row in IdeaPage.objects.live().public().filter(pk__in=ids)
             .annotate(stored_body=Cast(F("body"), JSONField())).values(*IDEA_FIELDS, "stored_body")}
    tags, aims = idea_tags_and_aims(ideas)
    urls = page_urls({pk: row["url_path"] for pk, row in ideas.items()})
    return {pk: search_document("idea", row["title"], row["summary"], _stored_text(row["stored_body"]), urls[pk],
                          row["first_published_at"], subject=row["subject"], grade_bands=row["grade_bands"],
                          tags=tags.get(pk, []), competence_aims=aims.get(pk, []), language=row["language"],
                          external_id=row["external_id"] or None, tried_count=row["tried_count"])
            for pk, row in ideas.items()}


def _html_text(html: str) -> str:
    import re

    return re.sub(r"<[^>]+>", " ", html or "")


def _body_text(stream) -> str:
    return _stored_text(stream.raw_data)


def _stored_text(blocks) -> str:
    """The words in a StreamField's stored data: text and rich text (tags stripped)
    at any depth; snippet and image ids are not words, so no snippet is loaded."""
    parts: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            parts.append(_html_text(value))
        elif isinstance(value, dict):
            # a stream or list child is {"type", "value", "id"}; a struct is its fields
            for key, item in value.items():
                if key not in ("type", "id") or "value" not in value:
                    walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk([block["value"] for block in blocks or []])
    return " ".join(part for part in parts if part.strip())


def bodies_for(objects) -> dict[tuple[str, int], dict]:
    """Document bodies for a mix of `(doc_type, object_id)`, each type fetched in one
    batch; objects that must not be searchable are missing from the answer."""
    bodies: dict[tuple[str, int], dict] = {}
    for doc_type in {t for t, _pk in objects}:
        wanted = [pk for t, pk in objects if t == doc_type]
        bodies.update({(doc_type, pk): body for pk, body in documents_for(doc_type, wanted).items()})
    return bodies


def _actions(entries, index: str):
    bodies = bodies_for([(e.doc_type, e.object_id) for e in entries if e.action == "index"])
    for entry in entries:
        doc_id = f"{entry.doc_type}-{entry.object_id}"
        body = bodies.get((entry.doc_type, entry.object_id)) if entry.action == "index" else None
        if body is None:
            yield {"_op_type": "delete", "_index": index, "_id": doc_id, "version": entry.version,
                   "version_type": "external"}
        else:
            yield {"_op_type": "index", "_index": index, "_id": doc_id, "_source": body, "version": entry.version,
                   "version_type": "external"}


def drain_once(client, index: str, batch: int = 500) -> int:
    """Sends one batch of due outbox entries; returns how many were settled."""
    from elasticsearch import helpers

    entries = list(OutboxEntry.objects.pending().filter(next_attempt_at__lte=timezone.now()).order_by("id")[:batch])
    if not entries:
        return 0
    ok_ids, failed = [], []
    # A few entries (a teacher just published something) are made searchable at once;
    # a large backlog waits for the index's own refresh instead of forcing one per batch.
    refresh = "true" if len(entries) <= SMALL_BATCH else "false"
    results = helpers.streaming_bulk(client.options(request_timeout=10), _actions(entries, index),
                                     raise_on_error=False, raise_on_exception=False, max_retries=0,
                                     refresh=refresh)
    for entry, (ok, info) in zip(entries, results, strict=False):
        item = next(iter(info.values()))
        status = item.get("status", 0)
        # 409: a newer version is already indexed; 404 on delete: already gone. Both settled.
        if ok or status in (409, 404):
            ok_ids.append(entry.pk)
        else:
            failed.append(entry.pk)
    OutboxEntry.objects.filter(pk__in=ok_ids).update(sent_at=timezone.now())
    if failed:
        for entry in OutboxEntry.objects.filter(pk__in=failed):
            delay = min(300, 2 ** min(entry.attempts, 8))
            OutboxEntry.objects.filter(pk=entry.pk).update(attempts=F("attempts") + 1,
                                                           next_attempt_at=timezone.now() + timedelta(seconds=delay))
    return len(ok_ids)


class Wakeup:
    """The worker's idle wait: on PostgreSQL it ends as soon as an outbox row commits
    (LISTEN on its own connection; every worker process gets every notification),
    otherwise, or while that connection is broken, after `timeout`. The poll stays
    as the backstop for retries that come due."""

    def __init__(self) -> None:
        self.conn = None

    def listen(self) -> None:
        """Listens before the first drain, so a commit between a drain and the next
        wait is not missed (notifications queue on the connection meanwhile)."""
        if connection.vendor != "postgresql" or self.conn is not None:
            return
        import psycopg

        try:
            self.conn = psycopg.connect(**connection.get_connection_params(), autocommit=True)
            self.conn.execute(f"LISTEN {WAKE_CHANNEL}")
        except psycopg.Error as exc:
            log.warning("search worker: no wake-ups from the database (%s); polling", exc)
            self.close()

    def wait(self, timeout: float) -> None:
        self.listen()
        if self.conn is None:
            time.sleep(timeout)
            return
        import psycopg

        try:
            for _note in self.conn.notifies(timeout=timeout, stop_after=1):
                pass
            for _note in self.conn.notifies(timeout=0):  # fold the ones that queued meanwhile
                pass
        except psycopg.Error as exc:
            # Listen again, then drain at once: what committed while no connection was
            # listening sent a wake-up nobody heard.
            log.warning("search worker: wake-up connection lost (%s)", exc)
            self.close()
            self.listen()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None


def purge_sent() -> int:
    """Deletes the entries sent longer ago than KEEP_SENT."""
    deleted, _by_model = OutboxEntry.objects.filter(sent_at__lt=timezone.now() - KEEP_SENT).delete()
    return deleted


def run_worker(client, index_alias: str, once: bool = False, idle_sleep: float = 0.5) -> None:
    backoff = 0.5
    wakeup = Wakeup()
    if not once:
        wakeup.listen()
    purged_at = 0.0
    try:
        while True:
            try:
                # A database restart leaves this long-lived process a dead connection;
                # Django replaces an unusable one only when asked (never inside a
                # transaction: a caller's, or a test's).
                if not connection.in_atomic_block:
                    close_old_connections()
                if time.monotonic() - purged_at > PURGE_EVERY:
                    purge_sent()
                    purged_at = time.monotonic()
                done = drain_once(client, index_alias)
                backoff = 0.5
            except Exception as exc:  # noqa: BLE001 - Elasticsearch down: keep the outbox, retry
                log.warning("search worker: %s; retrying in %.1f s", exc, backoff)
                time.sleep(backoff)
                backoff = min(backoff * 2, 30)
                if once:
                    return
                continue
            if once and not done:
                return
            if not done:
                wakeup.wait(idle_sleep)
    finally:
        wakeup.close()


def all_objects():
    from forums.models import Thread
    from ideabank.models import IdeaPage
    from staffroom.models import CoursePage, ModulePage

    yield from (("idea", pk) for pk in IdeaPage.objects.live().public().values_list("pk", flat=True))
    yield from (("course", pk) for pk in CoursePage.objects.live().public().values_list("pk", flat=True))
    yield from (("module", pk) for pk in ModulePage.objects.live().public().values_list("pk", flat=True))
    yield from (("thread", pk) for pk in Thread.objects.filter(is_hidden=False).values_list("pk", flat=True))
