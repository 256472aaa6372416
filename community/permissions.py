"""What each role may do. Views, consumers and services all ask these functions.

Roles: anonymous, teacher (any signed-in member), facilitator (of their own
groups), moderator, editor (Wagtail editors), administrator (superuser).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import MemberRole, Membership, Role, StudyGroup


def role_of(user) -> str:
    if not getattr(user, "is_authenticated", False):
        return "anonymous"
    if user.is_superuser:
        return Role.ADMINISTRATOR
    profile = getattr(user, "profile", None)
    return profile.role if profile else Role.TEACHER


def is_moderator(user) -> bool:
    return role_of(user) in {Role.MODERATOR, Role.ADMINISTRATOR}


def is_editor(user) -> bool:
    return role_of(user) in {Role.EDITOR, Role.ADMINISTRATOR}


def membership(user, group: StudyGroup) -> Membership | None:
    if not getattr(user, "is_authenticated", False) or user.is_deleted:
        return None
    return Membership.objects.filter(group=group, user=user).first()


def is_member(user, group: StudyGroup) -> bool:
    return membership(user, group) is not None


def is_facilitator(user, group: StudyGroup) -> bool:
    m = membership(user, group)
    return bool(m and m.role == MemberRole.FACILITATOR)


def check_signed_in(user) -> None:
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_deleted", False):
        raise PermissionDenied(_("Du må logge inn først."))


def can_see_group_page(group: StudyGroup, membership: Membership | None) -> bool:
    """A group open to join shows its page to any signed-in member; a closed group
    only to its own members (`membership(user, group)`; not to moderators, editors or
    administrators)."""
    return group.is_open or membership is not None


def check_can_chat(user, group: StudyGroup) -> None:
    check_signed_in(user)
    if not is_member(user, group):
        raise PermissionDenied(_("Bare medlemmer av gruppa kan skrive her."))


def check_can_manage_group(user, group: StudyGroup) -> None:
    check_signed_in(user)
    if not (is_facilitator(user, group) or role_of(user) == Role.ADMINISTRATOR):
        raise PermissionDenied(_("Bare gruppas veileder kan gjøre dette."))


def check_can_moderate(user) -> None:
    check_signed_in(user)
    if not is_moderator(user):
        raise PermissionDenied(_("Bare moderatorer kan gjøre dette."))
