"""Delivery addresses a customer saves and picks at checkout."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel


class Address(PublicIdModel, TimeStampedModel):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="addresses"
    )
    name = models.CharField(_("full name"), max_length=200)
    line1 = models.CharField(_("address"), max_length=255)
    line2 = models.CharField(_("address (line 2)"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=120)
    postal_code = models.CharField(_("postal code"), max_length=20)
    country = models.CharField(_("country"), max_length=80)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return self.as_text(", ")

    def as_text(self, sep: str = "\n") -> str:
        parts = [self.name, self.line1, self.line2, f"{self.postal_code} {self.city}", self.country]
        return sep.join(p for p in parts if p.strip())
