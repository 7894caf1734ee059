"""The outbox: every message is rendered and stored before it is sent, then sent exactly once.

Every later feature that writes to a customer goes through `messaging.services.queue_message`,
which applies consent, retirement, the contact budget and quiet hours in one place.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel
from rapport.customers.models import Purpose


class Priority(models.IntegerChoices):
    LOW = 0, _("Low")
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    # Over the contact budget: waits until the rolling week makes room (or expires).
    HELD = "held", _("Held by contact budget")
    SENDING = "sending", _("Sending")
    RETRYING = "retrying", _("Retrying")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    CANCELLED = "cancelled", _("Cancelled")


# A send attempt may claim a message only in these states.
SENDABLE = (MessageStatus.QUEUED, MessageStatus.RETRYING)


class Message(PublicIdModel, TimeStampedModel):
    # None only for account mail to someone without a CRM record (staff enrolment).
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    contact_point = models.ForeignKey(
        "customers.ContactPoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template = models.CharField(max_length=80)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    priority = models.SmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    language = models.CharField(max_length=10)
    to_address = models.CharField(max_length=320)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # What the sender attaches, rendered at send time (`messaging.attachments`), e.g.
    # [{"kind": "order-receipt", "order_id": 42}]: the row says what, the worker makes the file.
    attachments = models.JSONField(default=list, blank=True)
    # Set for mail rendered when it is sent (`messaging.send_time`), e.g. account mail whose
    # links must never be stored: the subject above is then only a label, the body empty.
    send_time = models.JSONField(default=dict, blank=True)
    # Stable across retries, so a receiving server (and our bounce handler) sees one message.
    message_id = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        max_length=12, choices=MessageStatus.choices, default=MessageStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    # When the message was counted against the contact budget (None: transactional or held).
    charged_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    actor_label = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["customer", "charged_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.to_address} ({self.status})"


class ContactBudget(models.Model):
    """One row per customer, locked with SELECT … FOR UPDATE so concurrent senders serialise.

    The count itself comes from the messages charged in the rolling window; this row only
    exists to be locked (and to keep when the customer was last charged).
    """

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="contact_budget"
    )
    last_charged_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"budget of customer {self.customer_id}"
