from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(sent_at__isnull=True)


class OutboxEntry(models.Model):
    """A pending index change, written in the same transaction as the content.

    The worker sends entries to Elasticsearch in bulk and marks them sent; `version`
    (a counter per document) stops a stale update from overwriting a newer one. Sent
    entries are kept for a while (`indexing.KEEP_SENT`): a reindex replays every entry
    written since it started into the index it builds, sent or not.
    """

    doc_type = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=10)  # "index" or "delete"
    version = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["next_attempt_at", "id"], condition=Q(sent_at__isnull=True), name="outbox_due"),
            models.Index(fields=["sent_at"], condition=Q(sent_at__isnull=False), name="outbox_sent"),
        ]


class DocumentVersion(models.Model):
    """The latest version handed out per document (monotonic, survives restarts)."""

    doc_type = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["doc_type", "object_id"], name="one_version_row")]
