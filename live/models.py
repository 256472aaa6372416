from django.conf import settings
from django.db import models
from django.utils import timezone


class Message(models.Model):
    group = models.ForeignKey("community.StudyGroup", on_delete=models.CASCADE, related_name="messages")
    # The room event sequence number that created this message.
    seq = models.BigIntegerField()
    client_id = models.CharField(max_length=64)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_messages")
    body = models.TextField()
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    pinned = models.BooleanField(default=False)
    sent_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["group", "seq"], name="message_seq_unique"),
            # Idempotent resend: one message per (author, client_id) in a room.
            models.UniqueConstraint(fields=["group", "author", "client_id"], name="message_client_id_unique"),
        ]


class RoomEvent(models.Model):
    """Every sequenced room event, stored before it is broadcast; catch-up reads it."""

    group = models.ForeignKey("community.StudyGroup", on_delete=models.CASCADE, related_name="room_events")
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=40)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["group", "seq"], name="room_event_seq_unique")]


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=16)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user", "emoji"], name="one_reaction_each")]


class LiveQuiz(models.Model):
    """A quiz run live in a room by its facilitator; results are stored."""

    group = models.ForeignKey("community.StudyGroup", on_delete=models.CASCADE, related_name="live_quizzes")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    # [{"prompt": str, "options": [str, ...], "correct": int}] – never sent to members.
    questions = models.JSONField()
    current = models.IntegerField(default=0)
    question_started_at = models.DateTimeField(default=timezone.now)
    seconds_per_question = models.IntegerField(default=30)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)


class LiveQuizAnswer(models.Model):
    quiz = models.ForeignKey(LiveQuiz, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question = models.IntegerField()
    choice = models.IntegerField()
    correct = models.BooleanField()
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["quiz", "user", "question"], name="one_answer_each")]
