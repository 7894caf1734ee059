"""Occasions (a customer's yearly moments), campaigns, their recipients and per-topic opt-outs.

A `Recipient` row is written for every customer a campaign reaches — mailed, held out as control,
or skipped (and why) — in the same transaction as the outbox message: that row is what makes a
send exactly once, and what the report and the uplift are computed from.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel


class OccasionKind(models.TextChoices):
    MINED = "mined", _("Found in your orders")
    BIRTHDAY = "birthday", _("Birthday")
    DECLARED = "declared", _("Your own date")


class Topic(models.TextChoices):
    """What a campaign is about; a customer can unsubscribe from one topic and keep the rest."""

    OCCASIONS = "occasions", _("Reminders before your occasions")
    OFFERS = "offers", _("Offers and new products")


class Occasion(PublicIdModel, TimeStampedModel):
    """One yearly moment of one customer: the date it next comes round and what it is about."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="occasions"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=OccasionKind.choices)
    name = models.CharField(_("name"), max_length=80, blank=True)
    # The day of the year it recurs on (the next occurrence is `next_date`).
    month = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    day = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(31)])
    next_date = models.DateField(_("next date"), db_index=True)
    # How many days before the date the customer usually buys for it.
    lead_days = models.PositiveSmallIntegerField(_("lead time (days)"), default=7)
    strength = models.DecimalField(max_digits=5, decimal_places=4, default=0)
    repetitions = models.PositiveSmallIntegerField(default=0)
    # The past purchase days behind a mined occasion (ISO dates): what they bought "for it".
    source_dates = models.JSONField(default=list, blank=True)
    enabled = models.BooleanField(_("remind me"), default=True)
    # Set when the customer changed the date or name: mining then leaves it as they wrote it.
    edited_at = models.DateTimeField(null=True, blank=True)
    mined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["next_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(kind="birthday"),
                name="occasion_one_birthday",
            )
        ]
        indexes = [models.Index(fields=["enabled", "next_date"])]

    def __str__(self) -> str:
        return f"{self.name or self.get_kind_display()} ({self.next_date})"


class TopicOptOut(models.Model):
    """The customer does not want mail about this topic (other marketing may still go)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="topic_opt_outs"
    )
    topic = models.CharField(max_length=16, choices=Topic.choices)
    # The campaign whose mail they unsubscribed from (None: from their account page).
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "topic"], name="topic_opt_out_once")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} ✕ {self.topic}"


class CampaignKind(models.TextChoices):
    ONE_OFF = "one_off", _("One-off")
    ALWAYS_ON = "always_on", _("Always on (occasion reminders)")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")


class AudienceKind(models.TextChoices):
    SEGMENT = "segment", _("A segment")
    OCCASION = "occasion", _("Customers with an occasion coming up")
    LIST = "list", _("A list of email addresses")


class Campaign(PublicIdModel, TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(
        max_length=10, choices=CampaignKind.choices, default=CampaignKind.ONE_OFF
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices, default=Topic.OFFERS)
    audience_kind = models.CharField(
        _("audience"), max_length=10, choices=AudienceKind.choices, default=AudienceKind.SEGMENT
    )
    segment = models.ForeignKey(
        "segments.Segment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("segment"),
    )
    occasion_within_days = models.PositiveSmallIntegerField(_("occasion within (days)"), default=30)
    audience_list = models.TextField(_("email addresses, one a line"), blank=True)
    products = models.ManyToManyField(
        "catalog.Product", blank=True, related_name="+", verbose_name=_("products")
    )
    personal_products = models.BooleanField(
        _("add products picked for each recipient"), default=True
    )
    control_percent = models.PositiveSmallIntegerField(
        _("control group (%)"),
        default=10,
        validators=[MinValueValidator(0), MaxValueValidator(50)],
    )
    attribution_days = models.PositiveSmallIntegerField(
        _("attribution window (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(control_percent__lte=50), name="campaign_control_at_most_half"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Variant(models.Model):
    """One version of the content (A/B): subject and text; recipients are split between them."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    label = models.CharField(max_length=2)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "label"], name="variant_label_once")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.label}"


class Recipient(models.Model):
    """A customer a campaign reached: mailed (`message`), control (never mailed) or skipped.

    `key` separates an always-on campaign's sends: one row per occasion and year
    ("occasion:<id>:<date>"), so a customer gets at most one reminder per occasion.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="campaign_receipts"
    )
    key = models.CharField(max_length=60, default="", blank=True)
    variant = models.ForeignKey(
        Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="recipients"
    )
    is_control = models.BooleanField(default=False)
    occasion = models.ForeignKey(
        Occasion, null=True, blank=True, on_delete=models.SET_NULL, related_name="reminders"
    )
    message = models.OneToOneField(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    skipped_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer", "key"], name="recipient_once_per_key"
            )
        ]
        indexes = [models.Index(fields=["customer", "created_at"])]

    def __str__(self) -> str:
        return f"{self.campaign_id} → {self.customer_id}"


class SendBatch(models.Model):
    """A slice of a one-off campaign's audience that one worker sends in one transaction.

    The audience is cut into slices by customer id when the send starts: this slice covers the
    ids from `first_customer_id` up to `last_customer_id` (None: to the end), so customers who
    join the audience later still fall into exactly one slice. Workers claim undone slices with
    `SELECT … FOR UPDATE SKIP LOCKED`, so several workers share one campaign and never the same
    slice; `done_at` is set in the transaction that writes the slice's recipients and mail.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="batches")
    first_customer_id = models.BigIntegerField()
    last_customer_id = models.BigIntegerField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "first_customer_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "first_customer_id"], name="send_batch_slice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.first_customer_id}…{self.last_customer_id or ''}"
