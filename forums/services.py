"""Writes for the forum. Each function runs in one transaction, stores every
event before it is broadcast, and states its side effects."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community import permissions as roles
from community.models import Notification
from live.services import RoomError, check_rate

from . import events, permissions
from .models import (
    Ban,
    Category,
    FeedbackKind,
    Flag,
    ModerationLog,
    Post,
    PostLike,
    PostRevision,
    Subscription,
    Thread,
    ThreadEvent,
)
from .rendering import mentioned_usernames, render_markdown

User = get_user_model()
DUPLICATE_WINDOW = timedelta(minutes=5)


def clean_body(body) -> str:
    if not isinstance(body, str):
        raise ValidationError(_("Innlegget må være tekst."))
    if "\x00" in body:
        raise ValidationError(_("Innlegget inneholder et ugyldig tegn."))
    body = unicodedata.normalize("NFC", body).strip()
    if not body:
        raise ValidationError(_("Innlegget kan ikke være tomt."))
    if len(body) > settings.STAFFROOM_FORUM_MAX_LENGTH:
        raise ValidationError(_("Innlegget er for langt (høyst %(n)d tegn).") % {"n": settings.STAFFROOM_FORUM_MAX_LENGTH})
    return body


def clean_title(title) -> str:
    if not isinstance(title, str) or "\x00" in title:
        raise ValidationError(_("Tittelen må være tekst."))
    title = " ".join(unicodedata.normalize("NFC", title).split())
    if len(title) < 3:
        raise ValidationError(_("Skriv en tittel på minst tre tegn."))
    if len(title) > 200:
        raise ValidationError(_("Tittelen er for lang (høyst 200 tegn)."))
    return title


def _rate_limit(user) -> None:
    try:
        check_rate(user.pk, "forum", settings.STAFFROOM_FORUM_POST_RATE)
    except RoomError:
        count = settings.STAFFROOM_FORUM_POST_RATE[0]
        raise ValidationError(
            _("Du har skrevet %(n)d innlegg det siste minuttet. Vent litt før du skriver igjen.") % {"n": count}
        ) from None


def _next_event(thread: Thread, payload: dict) -> int:
    """Takes the thread's next seq under the row lock, stores the event, broadcasts after commit."""
    thread.last_seq += 1
    Thread.objects.filter(pk=thread.pk).update(last_seq=thread.last_seq)
    payload["seq"] = thread.last_seq
    payload["thread"] = thread.pk
    ThreadEvent.objects.create(thread=thread, seq=thread.last_seq, kind=payload["type"], payload=payload)
    events.broadcast_sequenced(thread.pk, thread.last_seq, payload)
    return thread.last_seq


def _lock_thread(thread_id: int) -> Thread:
    return Thread.objects.select_for_update().select_related("category").get(pk=thread_id)


def _should_hold(user) -> bool:
    hold = settings.STAFFROOM_FORUM_HOLD_FIRST_POSTS
    if not hold or roles.is_moderator(user):
        return False
    return Post.objects.filter(author=user, is_held=False, deleted_at__isnull=True).count() < hold


def _follow(user, thread: Thread) -> None:
    Subscription.objects.get_or_create(user=user, thread=thread, defaults={"level": Subscription.Level.FOLLOW})


def _notify(user_id: int, kind: str, text: str, url: str) -> None:
    Notification.objects.create(user_id=user_id, kind=kind, text=text[:300], url=url)
    unread = Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
    events.notify_user(user_id, unread)


def _notify_for_post(post: Post, thread: Thread) -> None:
    """Followers of the thread or its category and mentioned members who may read it;
    never the author, never someone who muted the thread."""
    author_id = post.author_id
    muted = set(Subscription.objects.filter(thread=thread, level="mute").values_list("user_id", flat=True))
    followers = set(Subscription.objects.filter(thread=thread, level="follow").values_list("user_id", flat=True))
    followers |= set(Subscription.objects.filter(category=thread.category, level="follow")
                     .values_list("user_id", flat=True))
    url = f"{thread.get_absolute_url()}#post-{post.pk}"
    mentioned = {}
    names = mentioned_usernames(post.body)
    if names:
        for user in User.objects.filter(username__in=names, is_active=True, is_deleted=False):
            if permissions.can_read_thread(user, thread):
                mentioned[user.pk] = user
    for user_id in mentioned:
        if user_id != author_id and user_id not in muted:
            _notify(user_id, "forum.mention", _("%(name)s nevnte deg i «%(title)s»")
                    % {"name": post.author.public_name, "title": thread.title}, url)
    readers = followers - muted - {author_id} - set(mentioned)
    if thread.category.group_id:
        allowed = set(thread.category.group.memberships.values_list("user_id", flat=True))
        readers &= allowed
    for user_id in readers:
        _notify(user_id, "forum.reply", _("Nytt svar i «%(title)s» fra %(name)s")
                % {"title": thread.title, "name": post.author.public_name}, url)


def _create_post(user, thread: Thread, body: str, feedback_kind: str = "", quoted: Post | None = None,
                 count_rate: bool = False) -> Post:
    recent = Post.objects.filter(thread=thread, author=user, body=body,
                                 created_at__gte=timezone.now() - DUPLICATE_WINDOW).exists()
    if recent:
        raise ValidationError(_("Du har nettopp skrevet det samme innlegget i denne tråden."))
    if count_rate:
        _rate_limit(user)
    if feedback_kind and feedback_kind not in FeedbackKind.values:
        raise ValidationError(_("Ukjent type tilbakemelding."))
    post = Post.objects.create(thread=thread, author=user, body=body, body_html=render_markdown(body),
                               feedback_kind=feedback_kind, quoted=quoted, is_held=_should_hold(user))
    if not post.is_held:
        Thread.objects.filter(pk=thread.pk).update(post_count=F("post_count") + 1, last_post_at=post.created_at)
        _next_event(thread, {"type": "post.new", "post": events.post_payload(post)})
        _notify_for_post(post, thread)
    _follow(user, thread)
    return post


@transaction.atomic
def create_thread(user, category: Category, title: str, body: str, is_question: bool = False,
                  module=None) -> Thread:
    """Creates a thread and its first post; broadcasts `thread.new` to the category page."""
    permissions.check_can_post(user, category=category)
    title, body = clean_title(title), clean_body(body)
    _rate_limit(user)
    thread = Thread.objects.create(category=category, title=title, author=user, is_question=is_question,
                                   module=module)
    thread = _lock_thread(thread.pk)
    post = _create_post(user, thread, body)
    if not post.is_held:
        events.broadcast_new_thread(category.pk, {"type": "thread.new", "id": thread.pk, "title": thread.title,
                                                  "url": thread.get_absolute_url(),
                                                  "author": user.public_name})
    return thread


@transaction.atomic
def reply(user, thread: Thread, body: str, feedback_kind: str = "", quote_id: int | None = None) -> Post:
    """Stores a reply, then broadcasts `post.new` and notifies followers and mentions."""
    thread = _lock_thread(thread.pk)
    permissions.check_can_post(user, thread=thread)
    body = clean_body(body)
    quoted = None
    if quote_id:
        quoted = Post.objects.filter(thread=thread, pk=quote_id, deleted_at__isnull=True).first()
    return _create_post(user, thread, body, feedback_kind, quoted, count_rate=True)


@transaction.atomic
def edit_post(user, post: Post, body: str) -> Post:
    """Edits inside the edit window, keeping the previous text; broadcasts `post.edited`."""
    post = Post.objects.select_for_update().select_related("author").get(pk=post.pk)
    permissions.check_can_edit_post(user, post)
    if post.deleted_at:
        raise ValidationError(_("Innlegget er slettet."))
    if not roles.is_moderator(user) and timezone.now() - post.created_at > timedelta(
            seconds=settings.STAFFROOM_FORUM_EDIT_WINDOW):
        raise PermissionDenied(_("Tiden for å endre innlegget er ute."))
    body = clean_body(body)
    if body == post.body:
        return post
    thread = _lock_thread(post.thread_id)
    PostRevision.objects.create(post=post, body=post.body, edited_at=post.edited_at or post.created_at)
    post.body, post.body_html, post.edited_at = body, render_markdown(body), timezone.now()
    post.save(update_fields=["body", "body_html", "edited_at"])
    _next_event(thread, {"type": "post.edited", "post": events.post_payload(post)})
    return post


@transaction.atomic
def delete_post(user, post: Post) -> Post:
    """Soft delete by the author or a moderator; broadcasts `post.deleted`."""
    post = Post.objects.select_for_update().select_related("author").get(pk=post.pk)
    permissions.check_can_edit_post(user, post)
    if post.deleted_at:
        return post
    thread = _lock_thread(post.thread_id)
    post.deleted_at, post.deleted_by = timezone.now(), user
    post.save(update_fields=["deleted_at", "deleted_by"])
    if user.pk != post.author_id:
        ModerationLog.objects.create(moderator=user, action="delete", post=post, thread=thread,
                                     target_user=post.author)
    _next_event(thread, {"type": "post.deleted", "post": {"id": post.pk}})
    return post


@transaction.atomic
def toggle_like(user, post: Post) -> int:
    """Likes or unlikes a post; broadcasts `post.liked` with the new count."""
    roles.check_signed_in(user)
    thread = _lock_thread(post.thread_id)
    permissions.check_can_read_thread(user, thread)
    deleted, _rows = PostLike.objects.filter(post=post, user=user).delete()
    if not deleted:
        PostLike.objects.create(post=post, user=user)
    count = PostLike.objects.filter(post=post).count()
    Post.objects.filter(pk=post.pk).update(like_count=count)
    _next_event(thread, {"type": "post.liked", "post": {"id": post.pk, "likes": count}})
    return count


@transaction.atomic
def accept_answer(user, thread: Thread, post: Post) -> Thread:
    """The asker (or a moderator) accepts one answer; broadcasts `thread.updated`."""
    thread = _lock_thread(thread.pk)
    if not (thread.author_id == user.pk or roles.is_moderator(user)):
        raise PermissionDenied(_("Bare den som spurte kan velge svaret."))
    if not thread.is_question or post.thread_id != thread.pk:
        raise ValidationError(_("Dette innlegget kan ikke velges som svar."))
    thread.accepted_post = post
    thread.save(update_fields=["accepted_post"])
    _next_event(thread, {"type": "thread.updated", "accepted_post": post.pk, "locked": thread.is_locked,
                         "pinned": thread.is_pinned})
    return thread


# --- subscriptions --------------------------------------------------------------


@transaction.atomic
def set_subscription(user, *, thread: Thread | None = None, category: Category | None = None,
                     level: str | None) -> None:
    """Follow, mute, or (level None) forget a thread or category."""
    roles.check_signed_in(user)
    lookup = {"user": user, "thread": thread} if thread else {"user": user, "category": category}
    if level is None:
        Subscription.objects.filter(**lookup).delete()
        return
    if level not in Subscription.Level.values:
        raise ValidationError(_("Ukjent valg."))
    Subscription.objects.update_or_create(**lookup, defaults={"level": level})


# --- moderation -----------------------------------------------------------------


@transaction.atomic
def flag_post(user, post: Post, reason: str) -> Flag:
    """Stores a flag; at N distinct flags the post is hidden automatically."""
    roles.check_signed_in(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Skriv hvorfor du melder innlegget."))
    flag, _created = Flag.objects.get_or_create(post=post, user=user, defaults={"reason": reason[:300]})
    open_flags = Flag.objects.filter(post=post, resolved_at__isnull=True).count()
    if open_flags >= settings.STAFFROOM_FORUM_AUTOHIDE_FLAGS and not post.is_hidden:
        _set_hidden(None, post, True, note=_("Skjult automatisk etter %(n)d meldinger.") % {"n": open_flags})
    return flag


def _set_hidden(moderator, post: Post, hidden: bool, note: str = "") -> None:
    thread = _lock_thread(post.thread_id)
    Post.objects.filter(pk=post.pk).update(is_hidden=hidden)
    post.is_hidden = hidden
    # .update() sends no post_save: the thread's search document changes all the same.
    from search.indexing import enqueue

    enqueue("thread", post.thread_id, "index")
    if moderator is not None:
        ModerationLog.objects.create(moderator=moderator, action="hide" if hidden else "restore", post=post,
                                     thread=thread, target_user=post.author, note=note)
    post = Post.objects.select_related("author").get(pk=post.pk)
    _next_event(thread, {"type": "post.edited", "post": events.post_payload(post)})


@transaction.atomic
def moderate_post(moderator, post: Post, hidden: bool) -> None:
    """Hide or restore; restoring resolves the open flags. Logged."""
    permissions.check_can_moderate(moderator)
    _set_hidden(moderator, post, hidden)
    if not hidden:
        Flag.objects.filter(post=post, resolved_at__isnull=True).update(resolved_at=timezone.now())


@transaction.atomic
def approve_held(moderator, post: Post) -> None:
    """Releases a held first post; it is broadcast and notified as if new."""
    permissions.check_can_moderate(moderator)
    post = Post.objects.select_for_update().select_related("author").get(pk=post.pk)
    if not post.is_held:
        return
    thread = _lock_thread(post.thread_id)
    post.is_held = False
    post.save(update_fields=["is_held"])
    Thread.objects.filter(pk=thread.pk).update(post_count=F("post_count") + 1, last_post_at=timezone.now())
    ModerationLog.objects.create(moderator=moderator, action="approve", post=post, thread=thread,
                                 target_user=post.author)
    _next_event(thread, {"type": "post.new", "post": events.post_payload(post)})
    _notify_for_post(post, thread)


@transaction.atomic
def set_thread_state(moderator, thread: Thread, *, locked: bool | None = None, pinned: bool | None = None,
                     category: Category | None = None) -> Thread:
    """Lock, pin or move a thread; logged and broadcast as `thread.updated`."""
    permissions.check_can_moderate(moderator)
    thread = _lock_thread(thread.pk)
    changes = []
    if locked is not None and locked != thread.is_locked:
        thread.is_locked = locked
        changes.append("lock" if locked else "unlock")
    if pinned is not None and pinned != thread.is_pinned:
        thread.is_pinned = pinned
        changes.append("pin" if pinned else "unpin")
    if category is not None and category.pk != thread.category_id:
        thread.category = category
        changes.append("move")
    thread.save(update_fields=["is_locked", "is_pinned", "category"])
    for action in changes:
        ModerationLog.objects.create(moderator=moderator, action=action, thread=thread,
                                     note=category.name if action == "move" else "")
    if changes:
        _next_event(thread, {"type": "thread.updated", "accepted_post": thread.accepted_post_id,
                             "locked": thread.is_locked, "pinned": thread.is_pinned})
    return thread


@transaction.atomic
def ban_user(moderator, user, days: int, reason: str) -> Ban:
    """A time-limited posting ban; logged."""
    permissions.check_can_moderate(moderator)
    if not 1 <= days <= 365:
        raise ValidationError(_("En utestengelse varer mellom 1 og 365 dager."))
    ban = Ban.objects.create(user=user, until=timezone.now() + timedelta(days=days), reason=reason[:300],
                             by=moderator)
    ModerationLog.objects.create(moderator=moderator, action="ban", target_user=user, note=f"{days} d: {reason}"[:300])
    return ban


# --- course links ---------------------------------------------------------------


def category_for_course(course) -> Category:
    slug = slugify(f"kurs-{course.slug}")[:140]
    category, _created = Category.objects.get_or_create(
        slug=slug, defaults={"name": course.title, "course": course,
                             "description": _("Diskusjoner om kurset «%(t)s».") % {"t": course.title},
                             "position": 10},
    )
    return category


def discussion_for_module(module, create: bool = False) -> Thread | None:
    """The discussion thread shown beside a module page."""
    thread = Thread.objects.filter(module=module).first()
    if thread is not None or not create:
        return thread
    with transaction.atomic():
        category = category_for_course(module.get_parent().specific)
        editor = User.objects.filter(is_superuser=True).first() or User.objects.filter(is_staff=True).first()
        if editor is None:
            return None
        thread = Thread.objects.create(category=category, title=_("Diskusjon: %(t)s") % {"t": module.title},
                                       author=editor, module=module)
    return thread
