from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    name = models.CharField(_("navn"), max_length=120)
    slug = models.SlugField(unique=True, max_length=140)
    description = models.CharField(_("beskrivelse"), max_length=400, blank=True)
    course = models.ForeignKey("staffroom.CoursePage", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="forum_categories")
    # A private category belongs to one study group; only its members read it.
    group = models.OneToOneField("community.StudyGroup", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="forum_category")
    position = models.IntegerField(default=0)
    last_seq = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("kategori")
        verbose_name_plural = _("kategorier")

    def __str__(self) -> str:
        return self.name

    @property
    def is_private(self) -> bool:
        return self.group_id is not None

    def get_absolute_url(self) -> str:
        return f"/forum/{self.slug}/"


class Thread(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(_("tittel"), max_length=200)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="threads")
    module = models.OneToOneField("staffroom.ModulePage", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="discussion_thread")
    is_question = models.BooleanField(_("spørsmål"), default=False)
    accepted_post = models.ForeignKey("forums.Post", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    is_locked = models.BooleanField(default=False)
    is_pinned = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_post_at = models.DateTimeField(default=timezone.now)
    post_count = models.PositiveIntegerField(default=0)
    # The thread's event sequence: every stored event takes the next number.
    last_seq = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-is_pinned", "-last_post_at"]
        indexes = [models.Index(fields=["category", "-is_pinned", "-last_post_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/forum/t/{self.pk}/"


class FeedbackKind(models.TextChoices):
    NOTICED = "noticed", _("Jeg la merke til …")
    WONDER = "wonder", _("Jeg lurer på …")
    WILL_TRY = "will_try", _("Jeg vil prøve …")


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_posts")
    body = models.TextField()
    body_html = models.TextField()
    feedback_kind = models.CharField(max_length=20, choices=FeedbackKind.choices, blank=True)
    quoted = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    is_hidden = models.BooleanField(default=False)
    is_held = models.BooleanField(default=False)
    like_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["thread", "created_at"])]

    @property
    def is_visible(self) -> bool:
        return not (self.deleted_at or self.is_hidden or self.is_held)


class PostRevision(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    edited_at = models.DateTimeField(default=timezone.now)


class PostLike(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="one_like_each")]


class Flag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="one_flag_each")]


class ThreadEvent(models.Model):
    """Every sequenced thread event, stored before broadcast; catch-up reads it."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="events")
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=40)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["thread", "seq"], name="thread_event_seq_unique")]


class Subscription(models.Model):
    class Level(models.TextChoices):
        FOLLOW = "follow", _("Følger")
        MUTE = "mute", _("Dempet")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_subscriptions")
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="subscriptions")
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.FOLLOW)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="one_thread_subscription",
                                    condition=models.Q(thread__isnull=False)),
            models.UniqueConstraint(fields=["user", "category"], name="one_category_subscription",
                                    condition=models.Q(category__isnull=False)),
        ]


class Ban(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_bans")
    until = models.DateTimeField()
    reason = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)


class ModerationLog(models.Model):
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=40)
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
