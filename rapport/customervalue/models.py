"""Each customer's predicted value, and VIP tiers proposed from it and confirmed by a manager."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel
from rapport.core.money import MoneyField


class VipTier(models.TextChoices):
    NONE = "", _("Not a VIP")
    IMPORTANT = "important", _("Important customer")
    STRATEGIC = "strategic", _("Strategic partner")


class CustomerValue(TimeStampedModel):
    """Predicted spend over the next 12 months (refreshed by a beat task), the VIP tier the
    prediction suggests with its reasons, and the tier a manager confirmed."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="value"
    )
    predicted_12m = MoneyField(_("predicted spend, next 12 months"), default=0)
    spend_last_12m = MoneyField(_("spend, last 12 months"), default=0)
    value_rank = models.PositiveIntegerField(_("rank by predicted value"), default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    proposed_tier = models.CharField(max_length=12, choices=VipTier.choices, blank=True)
    proposal_reasons = models.JSONField(default=list, blank=True)
    tier = models.CharField(max_length=12, choices=VipTier.choices, blank=True, db_index=True)
    tier_reason = models.CharField(max_length=500, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vip_accounts",
    )

    class Meta:
        verbose_name = _("customer value")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.predicted_12m}"
