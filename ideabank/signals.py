"""The author hears about the moderation outcome in the app (and by e-mail)."""

from django.core.mail import send_mail
from django.dispatch import receiver
from django.utils.translation import gettext as _
from wagtail.signals import page_published, workflow_rejected


def _tell_author(idea, text: str) -> None:
    from community.services import notify

    if idea.author_id is None:
        return
    notify(idea.author, "idea.moderation", text, "/idebank/mine/")
    if idea.author.email:
        send_mail("Staffroom: " + text, text + "\n\n" + _("Se «Mine idéer» på Staffroom."), None, [idea.author.email],
                  fail_silently=True)


@receiver(page_published)
def idea_published(sender, instance, **kwargs):
    from .models import IdeaPage

    if isinstance(instance, IdeaPage) and instance.author_id:
        _tell_author(instance, _("Idéen din «%(title)s» er publisert.") % {"title": instance.title})


@receiver(workflow_rejected)
def idea_needs_changes(sender, instance, user=None, **kwargs):
    from .models import IdeaPage

    page = instance.content_object.specific if hasattr(instance, "content_object") else None
    if isinstance(page, IdeaPage):
        _tell_author(page, f"Redaksjonen ber om endringer i «{page.title}».")
