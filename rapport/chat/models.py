"""Live chat: rooms (direct, team, customer), their messages and read cursors, and presence.

Messages are numbered per room (`seq` 1, 2, 3 …) under a lock on the room row, so the numbers
are given out in commit order: a reconnecting client asks for everything after the last number
it saw and gets exactly what it missed (no gaps, no duplicates).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel

MAX_MESSAGE_LENGTH = 2000


class RoomKind(models.TextChoices):
    DIRECT = "direct", _("Direct")
    TEAM = "team", _("Team")
    CUSTOMER = "customer", _("Customer")


class RoomStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for an employee")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Room(PublicIdModel, TimeStampedModel):
    kind = models.CharField(max_length=10, choices=RoomKind.choices)
    status = models.CharField(max_length=10, choices=RoomStatus.choices, default=RoomStatus.OPEN)
    title = models.CharField(max_length=200, blank=True)
    # Team rooms: readable by the team's members only (checked live against the team).
    team = models.OneToOneField(
        "workspace.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="room"
    )
    # Customer rooms: the customer (None for an anonymous visitor) and the employee serving.
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_rooms",
    )
    visitor_label = models.CharField(max_length=80, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The employee the customer asked for (their account manager, a recent helper) or None.
    requested = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_seq = models.PositiveBigIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    customer_read_seq = models.PositiveBigIntegerField(default=0)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.CharField(max_length=500, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "status"]),
            # Offline sync pulls changes in (updated_at, id) order (`rapport.sync`).
            models.Index(fields=["updated_at", "id"], name="chat_room_sync"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="chat_room_rating_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} {self.public_id}"


class RoomMember(models.Model):
    """A staff member's place in a room: their read cursor gives the unread count."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_memberships"
    )
    last_read_seq = models.PositiveBigIntegerField(default=0)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="chat_member_once_per_room")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id}"


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveBigIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=200)
    from_staff = models.BooleanField(default=False)
    # A note written by the system (hand-over, closing), not by a person.
    system = models.BooleanField(default=False)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["room", "seq"]
        constraints = [models.UniqueConstraint(fields=["room", "seq"], name="chat_message_seq")]

    def __str__(self) -> str:
        return f"{self.room_id}#{self.seq}"


class Presence(models.Model):
    """One open websocket of a staff member; online means a connection seen lately."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_presence"
    )
    channel_name = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.user_id} via {self.channel_name}"
