"""Every publish, edit, unpublish or delete writes an outbox row in the same transaction."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from .indexing import enqueue

PAGE_KINDS = {"ideapage": "idea", "coursepage": "course", "modulepage": "module"}


def _kind(page) -> str | None:
    return PAGE_KINDS.get(type(page.specific if hasattr(page, "specific") else page).__name__.lower())


@receiver(page_published)
def on_publish(sender, instance, **kwargs):
    kind = _kind(instance)
    if kind:
        enqueue(kind, instance.pk, "index")


@receiver(page_unpublished)
def on_unpublish(sender, instance, **kwargs):
    kind = _kind(instance)
    if kind:
        enqueue(kind, instance.pk, "delete")


@receiver(post_delete)
def on_delete(sender, instance, **kwargs):
    name = sender.__name__.lower()
    if name in PAGE_KINDS:
        enqueue(PAGE_KINDS[name], instance.pk, "delete")
    elif name == "thread":
        enqueue("thread", instance.pk, "delete")


@receiver(post_save)
def on_forum_change(sender, instance, **kwargs):
    name = sender.__name__.lower()
    if name == "thread":
        enqueue("thread", instance.pk, "index")
    elif name == "post" and sender.__module__.startswith("forums"):
        enqueue("thread", instance.thread_id, "index")
