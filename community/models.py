import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

GRADE_BANDS = [("1-4", _("1.–4. trinn")), ("5-7", _("5.–7. trinn")), ("8-10", _("8.–10. trinn")), ("vgs", _("Videregående"))]
DELETED_MEMBER_NAME = "slettet medlem"


class User(AbstractUser):
    """A member. Deleting an account anonymises this row so posts keep an author."""

    display_name = models.CharField(_("visningsnavn"), max_length=80, blank=True)
    is_deleted = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("medlem")
        verbose_name_plural = _("medlemmer")

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        if self.is_deleted:
            return DELETED_MEMBER_NAME
        return self.display_name or self.get_full_name() or self.username

    # Templates use `user.display_name`; fall back to the public name.
    def get_display_name(self) -> str:
        return self.public_name


class Role(models.TextChoices):
    MEMBER = "member", _("Medlem")  # signed in through FEIDE without a staff affiliation
    TEACHER = "teacher", _("Lærer")
    MODERATOR = "moderator", _("Moderator")
    EDITOR = "editor", _("Redaktør")
    ADMINISTRATOR = "administrator", _("Administrator")


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.TEACHER)
    school = models.CharField(_("skole"), max_length=120, blank=True)
    municipality = models.CharField(_("kommune"), max_length=80, blank=True)
    subjects = models.CharField(_("fag"), max_length=200, blank=True)
    grade_bands = models.CharField(_("trinn"), max_length=40, blank=True)
    bio = models.TextField(_("kort om meg"), max_length=600, blank=True)
    avatar = models.ImageField(_("profilbilde"), upload_to="avatars/", blank=True)
    feide_id = models.CharField(max_length=200, blank=True)
    affiliation = models.CharField(max_length=200, blank=True)
    weekly_recap = models.BooleanField(_("ukentlig oppsummering fra forumet på e-post"), default=False)

    def __str__(self) -> str:
        return f"Profil for {self.user}"


class GroupKind(models.TextChoices):
    STUDY = "study", _("Studiegruppe")
    SCHOOL_TEAM = "school_team", _("Skoleteam")


class StudyGroup(models.Model):
    name = models.CharField(_("navn"), max_length=100)
    description = models.TextField(_("beskrivelse"), max_length=2000, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=GroupKind.choices, default=GroupKind.STUDY)
    school = models.CharField(_("skole"), max_length=120, blank=True)
    course = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_open = models.BooleanField(_("åpen for forespørsler"), default=True)
    next_meeting_at = models.DateTimeField(_("neste møte"), null=True, blank=True)
    meeting_url = models.URLField(_("lenke til videomøte"), blank=True)
    agenda = models.TextField(_("agenda"), max_length=4000, blank=True)
    agenda_module = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The room's sequence: the last seq handed out. Incremented under a row lock.
    last_seq = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("studiegruppe")
        verbose_name_plural = _("studiegrupper")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/groups/{self.pk}/"


class MemberRole(models.TextChoices):
    FACILITATOR = "facilitator", _("Veileder")
    MEMBER = "member", _("Medlem")


class Membership(models.Model):
    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)
    # Read marker: the highest room seq this member has seen.
    last_read_seq = models.BigIntegerField(default=0)
    last_visit_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="one_membership_per_group")]
        ordering = ["joined_at"]

    def __str__(self) -> str:
        return f"{self.user} i {self.group}"


def _invite_code() -> str:
    return secrets.token_urlsafe(9)


def _invite_expiry():
    return timezone.now() + timedelta(days=14)


class Invite(models.Model):
    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="invites")
    code = models.CharField(max_length=32, unique=True, default=_invite_code)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField(default=_invite_expiry)

    @property
    def is_valid(self) -> bool:
        return self.expires_at > timezone.now()


class JoinRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Venter")
        APPROVED = "approved", _("Godkjent")
        DECLINED = "declined", _("Avslått")

    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests")
    message = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=models.Q(status="pending"),
                name="one_pending_request_per_group",
            )
        ]


class Notification(models.Model):
    """An in-app notification; written by services, shown at /varsler/."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]
