"""The customer record shared by every department (M2): profile, contact points, consent.

The timeline is not stored here: it is the core audit log's entries that name the customer
(`rapport.core.audit.record(..., customer=...)`), read through `customers.queries.timeline`.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


class ChoiceItem(models.Model):
    """A managed choice-list entry (staff edit the lists); seeded by a data migration."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=80, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language (Chinese when asked for and known)."""
        if (translation.get_language() or "").startswith("zh") and self.name_zh_hans:
            return self.name_zh_hans
        return self.name


class Occupation(ChoiceItem):
    class Meta(ChoiceItem.Meta):
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")


class Interest(ChoiceItem):
    """An interest tag (books, sports, …); segments select customers by these."""

    class Meta(ChoiceItem.Meta):
        verbose_name = _("interest")
        verbose_name_plural = _("interests")


class CustomerQuerySet(models.QuerySet["Customer"]):
    def active(self) -> CustomerQuerySet:
        """Records that count: not retired, not merged away, not erased (segments start here)."""
        return self.filter(
            retired_at__isnull=True, merged_into__isnull=True, erased_at__isnull=True
        )

    def reachable(self) -> CustomerQuerySet:
        """Active records with at least one contact point that has not failed."""
        usable = ContactPoint.objects.filter(customer=models.OuterRef("pk")).exclude(
            status=ContactStatus.FAILED
        )
        return self.active().filter(models.Exists(usable))

    def unreachable_candidates(self) -> CustomerQuerySet:
        """Active records that have contact points and all of them failed: to be retired."""
        anything = ContactPoint.objects.filter(customer=models.OuterRef("pk"))
        usable = anything.exclude(status=ContactStatus.FAILED)
        return self.active().filter(models.Exists(anything), ~models.Exists(usable))


class Customer(PublicIdModel, TimeStampedModel):
    """One person or company that buys. May exist without a login (imported history)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    country = models.CharField(_("country"), max_length=80, blank=True)
    region = models.CharField(_("state / region"), max_length=80, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    is_vip = models.BooleanField(_("VIP"), default=False)
    # Where the record came from and its id there, for idempotent imports.
    source = models.CharField(max_length=32, default="web")
    external_id = models.CharField(max_length=64, blank=True)

    # --- Profile (M2) ---------------------------------------------------------------------
    gender = models.CharField(_("gender"), max_length=16, choices=Gender.choices, blank=True)
    # The birthday is stored, the age never is: it is computed when read (`age`).
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    # Progressive profiling asks only for the month (enough for occasions, less intrusive).
    birth_month = models.PositiveSmallIntegerField(_("birthday month"), null=True, blank=True)
    occupation = models.ForeignKey(
        Occupation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interests = models.ManyToManyField(Interest, blank=True, related_name="customers")
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    language = models.CharField(_("language"), max_length=10, blank=True)
    # The customer may refuse open/click tracking: then mail carries no pixel and plain links.
    allow_tracking = models.BooleanField(_("allow open and click tracking"), default=True)
    # Profiling questions the customer refused ("not now" is final: we do not nag).
    profiling_refused = models.JSONField(default=list, blank=True)

    # --- Record upkeep -----------------------------------------------------------------------
    retired_at = models.DateTimeField(null=True, blank=True, db_index=True)
    retired_reason = models.CharField(max_length=200, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        # Offline sync pulls changes in (updated_at, id) order (`rapport.sync`).
        indexes = [models.Index(fields=["updated_at", "id"], name="customer_sync")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="customer_unique_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(birth_month__isnull=True)
                | models.Q(birth_month__gte=1, birth_month__lte=12),
                name="customer_birth_month_1_to_12",
            ),
        ]

    def __str__(self) -> str:
        if self.name:
            return self.name
        if self.email:
            return self.email
        if self.external_id:
            return f"{self.get_source_label()} #{self.external_id}"
        return f"Customer {self.public_id}"

    def get_source_label(self) -> str:
        return {"online_retail": "Online Retail", "olist": "Olist", "web": "Web"}.get(
            self.source, self.source
        )

    @property
    def age(self) -> int | None:
        """Whole years today in the customer's own time zone; None without a birthday."""
        if self.birthday is None:
            return None
        today = timezone.now().astimezone(self.tzinfo).date()
        born = self.birthday
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    @property
    def known_birth_month(self) -> int | None:
        return self.birthday.month if self.birthday else self.birth_month

    @property
    def tzinfo(self) -> datetime.tzinfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return datetime.UTC

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class ContactKind(models.TextChoices):
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    ADDRESS = "address", _("Postal address")


class ContactStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    VALID = "valid", _("Valid")
    FAILING = "failing", _("Failing")
    FAILED = "failed", _("Failed")


class Purpose(models.TextChoices):
    """Why we write. Transactional mail (receipts, shipping) is not marketing and is not capped."""

    TRANSACTIONAL = "transactional", _("Orders and account")
    MARKETING = "marketing", _("News and offers")
    SURVEYS = "surveys", _("Surveys and feedback")


class ContactPoint(TimeStampedModel):
    """One way to reach a customer: an email address, a phone number or a postal address."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(_("kind"), max_length=10, choices=ContactKind.choices)
    value = models.CharField(_("value"), max_length=500)
    label = models.CharField(_("label"), max_length=40, blank=True)
    is_primary = models.BooleanField(default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=ContactStatus.choices, default=ContactStatus.UNVERIFIED
    )
    failure_count = models.PositiveIntegerField(default=0)
    hard_failure_count = models.PositiveIntegerField(default=0)
    failure_reason = models.CharField(max_length=300, blank=True)
    last_failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind", "value"], name="contact_point_unique_per_customer"
            )
        ]
        indexes = [models.Index(fields=["kind", "value"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class Consent(models.Model):
    """Consent for one purpose on one contact point, with when and how it was given/withdrawn."""

    contact_point = models.ForeignKey(
        ContactPoint, on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    granted = models.BooleanField(default=False)
    changed_at = models.DateTimeField()
    # How: "registration form", "preference page", "one-click unsubscribe", "staff", …
    source = models.CharField(max_length=60)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contact_point", "purpose"], name="consent_unique_per_purpose"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose}={'yes' if self.granted else 'no'}"
