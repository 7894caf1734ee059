"""Base models and the one audit log that also feeds the customer timeline."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class PublicIdModel(models.Model):
    """A UUID for URLs, APIs and sync, so database ids never leak or collide across devices."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit entry."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit entries are never updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries are never deleted.")

    def for_customer(self, customer_id: int) -> AuditEntryQuerySet:
        return self.filter(customer_id=customer_id)


class AuditEntry(models.Model):
    """One thing that happened: who did what to which object, when, from where.

    Written only through `rapport.core.audit.record`. Entries that name a customer make up that
    customer's timeline, so every app adds to the timeline with the same single call.
    """

    created_at = models.DateTimeField(db_index=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    object_type = models.CharField(max_length=64, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=255, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="timeline_entries",
    )
    summary = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit entries are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries are never deleted.")


class ShopDetails(models.Model):
    """The shop's legal identity, printed on receipts and mails: one row, edited by managers in
    the portal (`rapport.core.shop`), never in code."""

    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    address = models.TextField(_("registered address"), blank=True)
    tax_number = models.CharField(_("VAT / tax number"), max_length=64, blank=True)
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("shop details")
        verbose_name_plural = _("shop details")

    def __str__(self) -> str:
        return self.legal_name or "shop details"

    @property
    def address_on_one_line(self) -> str:
        return ", ".join(line.strip() for line in self.address.splitlines() if line.strip())

    @property
    def is_filled_in(self) -> bool:
        return bool(self.legal_name or self.address or self.tax_number)
