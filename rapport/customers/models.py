"""The customer record shared by every department (M2). Later issues extend the profile."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel


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

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="customer_unique_external_id",
            )
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
