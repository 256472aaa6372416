"""Outbox indexing: content writes add an OutboxEntry in their own transaction; the
worker sends entries in bulk with external versions (a stale update never overwrites
a newer one) and deletes them once Elasticsearch has them."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import DocumentVersion, OutboxEntry

log = logging.getLogger("staffroom.search")
KINDS = ("idea", "course", "module", "thread")
SMALL_BATCH = 20


def enqueue(doc_type: str, object_id: int, action: str = "index") -> None:
    """Called inside the content's transaction; cheap, never touches Elasticsearch."""
    with transaction.atomic():
        row, _created = DocumentVersion.objects.select_for_update().get_or_create(
            doc_type=doc_type, object_id=object_id)
        DocumentVersion.objects.filter(pk=row.pk).update(version=F("version") + 1)
        row.refresh_from_db(fields=["version"])
        OutboxEntry.objects.create(doc_type=doc_type, object_id=object_id, action=action, version=row.version)


def document_for(doc_type: str, object_id: int) -> dict | None:
    """The document body for one object, or None when it must not be searchable."""
    if doc_type == "idea":
        return documents_for("idea", [object_id]).get(object_id)
    if doc_type in ("course", "module"):
        from staffroom.models import CoursePage, ModulePage

        model = CoursePage if doc_type == "course" else ModulePage
        page = model.objects.live().public().filter(pk=object_id).first()
        if page is None:
            return None
        if doc_type == "course":
            summary, body = page.search_description, _html_text(page.introduction) + " " + _html_text(page.goals)
            subject, grades = page.subject, [g.strip() for g in page.grade_bands.split(",") if g.strip()]
        else:
            summary, body = page.lead, _body_text(page.body)
            course = page.get_parent().specific
            subject, grades = course.subject, [g.strip() for g in course.grade_bands.split(",") if g.strip()]
        return {"type": doc_type, "title": page.title, "summary": summary, "body": body, "url": page.url,
                "subject": subject, "grade_bands": grades, "tags": [], "competence_aims": [], "language": "nb",
                "external_id": None, "group_id": None, "tried_count": 0, "published_at": page.first_published_at}
    if doc_type == "thread":
        from forums.models import Thread

        thread = Thread.objects.select_related("category").filter(pk=object_id, is_hidden=False).first()
        if thread is None:
            return None
        posts = thread.posts.filter(deleted_at__isnull=True, is_hidden=False, is_held=False).values_list("body",
                                                                                                      flat=True)[:200]
        return {"type": "thread", "title": thread.title, "summary": "", "body": " ".join(posts),
                "url": thread.get_absolute_url(), "subject": None, "grade_bands": [], "tags": [],
                "competence_aims": [], "language": "nb", "external_id": None,
                "group_id": thread.category.group_id, "tried_count": 0, "published_at": thread.created_at}
    return None


def documents_for(doc_type: str, object_ids) -> dict[int, dict]:
    """Document bodies for many objects of one type (ideas in three queries);
    objects that must not be searchable are missing from the answer."""
    if doc_type != "idea":
        found = {pk: document_for(doc_type, pk) for pk in object_ids}
        return {pk: doc for pk, doc in found.items() if doc is not None}
    from types import SimpleNamespace

    from wagtail.models import Site

    from ideabank.models import IdeaPage, IdeaPageTag

    ideas = list(IdeaPage.objects.live().public().filter(pk__in=list(object_ids)))
    ids = [i.pk for i in ideas]
    # Tags and aims for the whole batch in one query each (modelcluster's
    # prefetch clones a queryset per idea), site root paths looked up once.
    tags: dict[int, list[str]] = {}
    for idea_id, name in IdeaPageTag.objects.filter(content_object_id__in=ids).values_list(
            "content_object_id", "tag__name").order_by("pk"):
        tags.setdefault(idea_id, []).append(name)
    field = IdeaPage._meta.get_field("competence_aims")
    aims: dict[int, list[str]] = {}
    for idea_id, code in field.remote_field.through.objects.filter(**{f"{field.m2m_field_name()}__in": ids}).values_list(
            field.m2m_field_name(), f"{field.m2m_reverse_field_name()}__code"):
        aims.setdefault(idea_id, []).append(code)
    roots = SimpleNamespace(_wagtail_cached_site_root_paths=Site.get_site_root_paths())
    one_site = len({r[0] for r in roots._wagtail_cached_site_root_paths}) == 1
    out = {}
    for idea in ideas:
        parts = idea.get_url_parts(roots)
        url = (parts[2] if one_site else parts[1] + parts[2]) if parts else None
        out[idea.pk] = _idea_document(idea, url, tags.get(idea.pk, []), aims.get(idea.pk, []))
    return out


def _idea_document(idea, url, tags: list[str], aims: list[str]) -> dict:
    body = _body_text(idea.body)
    return {"type": "idea", "title": idea.title, "summary": idea.summary, "body": body, "url": url,
            "subject": idea.subject, "grade_bands": idea.grade_bands, "tags": tags, "competence_aims": aims,
            "language": idea.language, "external_id": idea.external_id or None, "group_id": None,
            "tried_count": idea.tried_count, "published_at": idea.first_published_at}


def _html_text(html: str) -> str:
    import re

    return re.sub(r"<[^>]+>", " ", html or "")


def _body_text(stream) -> str:
    """The words in a StreamField, read from its stored data: text and rich text
    (tags stripped) at any depth; snippet and image ids are not words, so no
    snippet is loaded."""
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

    walk([block["value"] for block in stream.raw_data])
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

    entries = list(OutboxEntry.objects.filter(next_attempt_at__lte=timezone.now()).order_by("id")[:batch])
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
    OutboxEntry.objects.filter(pk__in=ok_ids).delete()
    if failed:
        for entry in OutboxEntry.objects.filter(pk__in=failed):
            delay = min(300, 2 ** min(entry.attempts, 8))
            OutboxEntry.objects.filter(pk=entry.pk).update(attempts=F("attempts") + 1,
                                                           next_attempt_at=timezone.now() + timedelta(seconds=delay))
    return len(ok_ids)


def run_worker(client, index_alias: str, once: bool = False, idle_sleep: float = 0.5) -> None:
    backoff = 0.5
    while True:
        try:
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
            time.sleep(idle_sleep)


def all_objects():
    from forums.models import Thread
    from ideabank.models import IdeaPage
    from staffroom.models import CoursePage, ModulePage

    yield from (("idea", pk) for pk in IdeaPage.objects.live().public().values_list("pk", flat=True))
    yield from (("course", pk) for pk in CoursePage.objects.live().public().values_list("pk", flat=True))
    yield from (("module", pk) for pk in ModulePage.objects.live().public().values_list("pk", flat=True))
    yield from (("thread", pk) for pk in Thread.objects.filter(is_hidden=False).values_list("pk", flat=True))
