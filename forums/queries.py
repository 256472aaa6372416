"""Reads for the forum pages, with a constant number of queries per page."""

from django.core.paginator import Paginator
from django.db.models import Count, Q

from community import permissions as roles

from .models import Category, Post

POSTS_PER_PAGE = 50


def readable_categories(user):
    qs = Category.objects.filter(group__isnull=True)
    if getattr(user, "is_authenticated", False):
        if roles.is_moderator(user):
            return Category.objects.all()
        qs = Category.objects.filter(Q(group__isnull=True) | Q(group__memberships__user=user)).distinct()
    return qs


def thread_list(category, user):
    qs = category.threads.select_related("author", "accepted_post")
    if not roles.is_moderator(user):
        qs = qs.filter(is_hidden=False)
    return qs


def thread_page(thread, user, page_number):
    posts = Post.objects.filter(thread=thread).select_related("author", "quoted__author").order_by("created_at", "pk")
    if not roles.is_moderator(user):
        posts = posts.filter(is_held=False)
    page = Paginator(posts, POSTS_PER_PAGE).get_page(page_number)
    liked = set()
    if getattr(user, "is_authenticated", False):
        liked = set(thread.posts.filter(likes__user=user, pk__in=[p.pk for p in page]).values_list("pk", flat=True))
    return page, liked


def moderation_queue():
    flagged = (Post.objects.filter(flags__resolved_at__isnull=True).annotate(open_flags=Count("flags"))
               .select_related("author", "thread").prefetch_related("flags__user").order_by("-open_flags")[:100])
    held = Post.objects.filter(is_held=True, deleted_at__isnull=True).select_related("author", "thread")[:100]
    return flagged, held


def feedback_counts():
    """Feedback kinds per module discussion, for moderators."""
    rows = (Post.objects.filter(thread__module__isnull=False, deleted_at__isnull=True).exclude(feedback_kind="")
            .values("thread__module__title", "feedback_kind").annotate(n=Count("id"))
            .order_by("thread__module__title", "feedback_kind"))
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        table.setdefault(row["thread__module__title"], {})[row["feedback_kind"]] = row["n"]
    return table


