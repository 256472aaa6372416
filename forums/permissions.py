"""Who may read and write where in the forum. Views, the consumer, catch-up and
notifications all call these."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from community import permissions as roles

from .models import Ban, Category, Thread


def can_read_category(user, category: Category) -> bool:
    if category.group_id is None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return roles.is_moderator(user) or category.group.memberships.filter(user=user).exists()


def check_can_read_category(user, category: Category) -> None:
    if not can_read_category(user, category):
        # A private category is indistinguishable from a missing one.
        raise PermissionDenied(_("Du har ikke tilgang til denne kategorien."))


def can_read_thread(user, thread: Thread) -> bool:
    if thread.is_hidden and not roles.is_moderator(user):
        return False
    return can_read_category(user, thread.category)


def check_can_read_thread(user, thread: Thread) -> None:
    if not can_read_thread(user, thread):
        raise PermissionDenied(_("Du har ikke tilgang til denne tråden."))


def active_ban(user) -> Ban | None:
    return Ban.objects.filter(user=user, until__gt=timezone.now()).order_by("-until").first()


def check_can_post(user, thread: Thread | None = None, category: Category | None = None) -> None:
    roles.check_signed_in(user)
    ban = active_ban(user)
    if ban is not None:
        raise PermissionDenied(
            _("Du er utestengt fra å skrive i forumet til %(until)s.")
            % {"until": timezone.localtime(ban.until).strftime("%d.%m.%Y %H:%M")}
        )
    category = category or (thread.category if thread else None)
    if category is not None and not can_read_category(user, category):
        raise PermissionDenied(_("Du har ikke tilgang til denne kategorien."))
    if thread is not None and thread.is_locked and not roles.is_moderator(user):
        raise PermissionDenied(_("Tråden er låst. Nye svar er ikke mulig."))


def check_can_edit_post(user, post) -> None:
    roles.check_signed_in(user)
    if post.author_id != user.pk and not roles.is_moderator(user):
        raise PermissionDenied(_("Du kan bare endre dine egne innlegg."))


def check_can_moderate(user) -> None:
    roles.check_can_moderate(user)
