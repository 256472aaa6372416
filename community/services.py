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
    Role,
    StudyGroup,
)

User = get_user_model()


class GroupFull(ValidationError):
    pass


def ensure_profile(user) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


STAFF_AFFILIATIONS = {"employee", "faculty", "staff"}


@transaction.atomic
def apply_feide_claims(user, claims: dict) -> Profile:
    """Records a FEIDE sign-in's identity on the member's profile: the FEIDE user id,
    the affiliation, and the teacher role when the affiliation is a staff one (a
    local account connected to FEIDE keeps a higher role it already has)."""
    profile = ensure_profile(user)
    affiliation = claims.get("eduPersonAffiliation") or []
    if isinstance(affiliation, str):
        affiliation = [affiliation]
    affiliation = [str(a).strip().lower() for a in affiliation if str(a).strip()]
    profile.feide_id = str(claims.get("feide_id") or claims.get("sub") or "")[:200]
    profile.affiliation = ",".join(affiliation)[:200]
    if profile.role in (Role.TEACHER, Role.MEMBER):
        profile.role = Role.TEACHER if STAFF_AFFILIATIONS & set(affiliation) else Role.MEMBER
    profile.save(update_fields=["feide_id", "affiliation", "role"])
    name = " ".join(str(claims.get("name") or "").split())[:80]
    if name and not user.display_name:
        User.objects.filter(pk=user.pk).update(display_name=name)
        user.display_name = name
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


def export_member_data(user) -> dict:
    """Everything Staffroom keeps about one member, for them to download (JSON-ready)."""
    from forums.models import Post, Thread
    from ideabank.models import IdeaPage, TriedReport
    from live.models import Message
    from staffroom.models import QuizAttempt

    profile = ensure_profile(user)

    def when(value):
        return value.isoformat() if value else None

    return {
        "account": {"username": user.username, "email": user.email, "display_name": user.display_name,
                    "first_name": user.first_name, "last_name": user.last_name,
                    "date_joined": when(user.date_joined), "last_login": when(user.last_login)},
        "profile": {"role": profile.role, "school": profile.school, "municipality": profile.municipality,
                    "subjects": profile.subjects, "grade_bands": profile.grade_bands, "bio": profile.bio,
                    "avatar": profile.avatar.url if profile.avatar else None, "feide_id": profile.feide_id,
                    "affiliation": profile.affiliation, "weekly_recap": profile.weekly_recap},
        "groups": [{"group": m.group.name, "role": m.role, "joined_at": when(m.joined_at)}
                   for m in user.memberships.select_related("group")],
        "ideas": [{"title": i.title, "summary": i.summary, "live": i.live, "url": i.url if i.live else None,
                   "first_published_at": when(i.first_published_at)}
                  for i in IdeaPage.objects.filter(author=user).order_by("pk")],
        "tried_reports": [{"idea": r.idea.title, "grade_band": r.grade_band, "minutes_used": r.minutes_used,
                           "what_happened": r.what_happened, "would_change": r.would_change,
                           "created_at": when(r.created_at)}
                          for r in TriedReport.objects.filter(user=user).select_related("idea")],
        "threads": [{"title": t.title, "url": t.get_absolute_url(), "created_at": when(t.created_at)}
                    for t in Thread.objects.filter(author=user).order_by("pk")],
        "posts": [{"thread": p.thread.title, "body": p.body, "created_at": when(p.created_at),
                   "deleted": p.deleted_at is not None}
                  for p in Post.objects.filter(author=user).select_related("thread").order_by("pk")],
        "messages": [{"group": m.group.name, "body": m.body, "sent_at": when(m.sent_at),
                      "deleted": m.deleted_at is not None}
                     for m in Message.objects.filter(author=user).select_related("group").order_by("pk")],
        "quiz_attempts": [{"quiz": a.quiz.title, "score": a.score, "total": a.total, "passed": a.passed,
                           "finished_at": when(a.finished_at)}
                          for a in QuizAttempt.objects.filter(user=user).select_related("quiz")],
    }


@transaction.atomic
def delete_account(user) -> None:
    """Removes a member's private data and sign-in; what they wrote in the forum,
    the rooms and the idea bank stays readable under "slettet medlem".
    Writes: the user row (anonymised), profile, memberships (sockets closed), e-mail
    addresses, social logins, notifications, subscriptions, unpublished idea drafts."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    from forums.models import Subscription
    from ideabank.models import IdeaPage

    from .models import DELETED_MEMBER_NAME

    user = User.objects.select_for_update().get(pk=user.pk)
    for membership in list(user.memberships.select_related("group")):
        remove_member(user, membership.group, user)
    JoinRequest.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    Subscription.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    for draft in IdeaPage.objects.filter(author=user, first_published_at__isnull=True):
        draft.delete()
    IdeaPage.objects.filter(author=user).update(author_name=DELETED_MEMBER_NAME)
    profile = ensure_profile(user)
    if profile.avatar:
        profile.avatar.delete(save=False)
    Profile.objects.filter(pk=profile.pk).update(school="", municipality="", subjects="", grade_bands="", bio="",
                                                 avatar="", feide_id="", affiliation="", weekly_recap=False)
    user.username = f"slettet-{user.pk}"
    user.email = ""
    user.first_name = user.last_name = user.display_name = ""
    user.is_deleted = True
    user.is_active = False
    user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
