"""Writes for members and study groups. Every function here runs in a transaction."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import permissions
from .models import (
    Invite,
    JoinRequest,
    MemberRole,
    Membership,
    Notification,
    Profile,
    StudyGroup,
)

User = get_user_model()


class GroupFull(ValidationError):
    pass


def ensure_profile(user) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def notify(user, kind: str, text: str, url: str = "") -> Notification:
    """Writes one in-app notification."""
    return Notification.objects.create(user=user, kind=kind, text=text[:300], url=url)


@transaction.atomic
def create_group(creator, *, name: str, description: str = "", kind: str = "study",
                 school: str = "", course=None, is_open: bool = True) -> StudyGroup:
    """Creates a group with the creator as its facilitator."""
    permissions.check_signed_in(creator)
    group = StudyGroup.objects.create(
        name=name.strip(), description=description.strip(), kind=kind,
        school=school.strip(), course=course, is_open=is_open,
    )
    Membership.objects.create(group=group, user=creator, role=MemberRole.FACILITATOR)
    return group


def _lock_group(group_id: int) -> StudyGroup:
    # On PostgreSQL this row lock serialises joins for one group; on SQLite the
    # IMMEDIATE transaction mode already serialises every writer.
    return StudyGroup.objects.select_for_update().get(pk=group_id)


def _add_member(group: StudyGroup, user, role: str = MemberRole.MEMBER) -> Membership:
    existing = Membership.objects.filter(group=group, user=user).first()
    if existing:
        return existing
    if user.is_deleted:
        raise PermissionDenied(_("Denne kontoen er slettet."))
    if group.kind == "school_team" and group.school:
        school = getattr(getattr(user, "profile", None), "school", "")
        if school and school.strip().casefold() != group.school.strip().casefold():
            raise ValidationError(_("Et skoleteam er for lærere ved %(school)s.") % {"school": group.school})
    count = Membership.objects.filter(group=group).count()
    if count >= settings.STAFFROOM_GROUP_MAX_MEMBERS:
        raise GroupFull(
            _("Gruppa er full: en studiegruppe har høyst %(max)d medlemmer.")
            % {"max": settings.STAFFROOM_GROUP_MAX_MEMBERS}
        )
    try:
        with transaction.atomic():
            return Membership.objects.create(group=group, user=user, role=role)
    except IntegrityError:
        return Membership.objects.get(group=group, user=user)


@transaction.atomic
def join_with_invite(user, code: str) -> Membership:
    """Adds the member through an invite code. Raises GroupFull when the group is full."""
    permissions.check_signed_in(user)
    invite = Invite.objects.filter(code=code.strip()).select_related("group").first()
    if invite is None or not invite.is_valid:
        raise ValidationError(_("Invitasjonen er ugyldig eller utløpt."))
    group = _lock_group(invite.group_id)
    return _add_member(group, user)


@transaction.atomic
def add_member(group: StudyGroup, user, role: str = MemberRole.MEMBER) -> Membership:
    """Adds a member directly (seeding, facilitator approval)."""
    group = _lock_group(group.pk)
    return _add_member(group, user, role)


@transaction.atomic
def request_to_join(user, group: StudyGroup, message: str = "") -> JoinRequest:
    """Writes a pending join request and notifies the facilitators."""
    permissions.check_signed_in(user)
    if not group.is_open:
        raise PermissionDenied(_("Denne gruppa tar bare imot medlemmer med invitasjon."))
    if permissions.is_member(user, group):
        raise ValidationError(_("Du er allerede medlem av gruppa."))
    existing = JoinRequest.objects.filter(group=group, user=user, status=JoinRequest.Status.PENDING).first()
    if existing:
        return existing
    req = JoinRequest.objects.create(group=group, user=user, message=message.strip()[:500])
    for m in group.memberships.filter(role=MemberRole.FACILITATOR).select_related("user"):
        notify(m.user, "group.join_request", _("%(name)s vil bli med i %(group)s.")
               % {"name": user.public_name, "group": group.name}, group.get_absolute_url())
    return req


@transaction.atomic
def decide_join_request(facilitator, req: JoinRequest, approve: bool) -> JoinRequest:
    """Approves (adds the member, if there is room) or declines a join request."""
    req = JoinRequest.objects.select_for_update().get(pk=req.pk)
    permissions.check_can_manage_group(facilitator, req.group)
    if req.status != JoinRequest.Status.PENDING:
        return req
    if approve:
        group = _lock_group(req.group_id)
        _add_member(group, req.user)
        req.status = JoinRequest.Status.APPROVED
    else:
        req.status = JoinRequest.Status.DECLINED
    req.save(update_fields=["status"])
    notify(req.user, "group.join_decided",
           (_("Du er med i %(group)s.") if approve else _("Forespørselen din til %(group)s ble avslått."))
           % {"group": req.group.name}, req.group.get_absolute_url())
    return req


@transaction.atomic
def create_invite(facilitator, group: StudyGroup, days: int = 14) -> Invite:
    permissions.check_can_manage_group(facilitator, group)
    return Invite.objects.create(
        group=group, created_by=facilitator, expires_at=timezone.now() + timedelta(days=days)
    )


@transaction.atomic
def remove_member(actor, group: StudyGroup, user) -> None:
    """Removes a member (or lets one leave); their open sockets are closed after commit."""
    if actor.pk != user.pk:
        permissions.check_can_manage_group(actor, group)
    deleted, _rows = Membership.objects.filter(group=group, user=user).delete()
    if deleted:
        from live import events

        events.member_removed(group.pk, user.pk)


@transaction.atomic
def update_meeting(facilitator, group: StudyGroup, *, next_meeting_at=None, meeting_url: str = "",
                   agenda: str = "", agenda_module=None) -> StudyGroup:
    permissions.check_can_manage_group(facilitator, group)
    group.next_meeting_at = next_meeting_at
    group.meeting_url = meeting_url
    group.agenda = agenda
    group.agenda_module = agenda_module
    group.save(update_fields=["next_meeting_at", "meeting_url", "agenda", "agenda_module"])
    return group


@transaction.atomic
def update_profile(user, form) -> Profile:
    """Saves the profile form and the display name."""
    profile = form.save()
    name = form.cleaned_data.get("display_name", "").strip()
    if name != user.display_name:
        User.objects.filter(pk=user.pk).update(display_name=name)
    return profile


def mark_notifications_read(user, ids: list[int]) -> None:
    if ids:
        Notification.objects.filter(user=user, pk__in=ids, read_at__isnull=True).update(read_at=timezone.now())
