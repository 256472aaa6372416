from django.db import models
from django.utils import timezone


class OutboxEntry(models.Model):
    """A pending index change, written in the same transaction as the content.

    The worker sends entries to Elasticsearch in bulk and deletes them once the
    index has them; `version` (a counter per document) stops a stale update from
    overwriting a newer one.
    """

    doc_type = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=10)  # "index" or "delete"
    version = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["next_attempt_at", "id"])]


class DocumentVersion(models.Model):
    """The latest version handed out per document (monotonic, survives restarts)."""

    doc_type = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["doc_type", "object_id"], name="one_version_row")]
