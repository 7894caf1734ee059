"""Loyalty points: one account per customer and its append-only ledger (like the wallet).

`PointsAccount.balance` caches the sum of the entries; it is only changed together with a new
entry, under the account's row lock, and a check constraint refuses a negative balance.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel


class PointsAccount(TimeStampedModel):
    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.PROTECT, related_name="points_account"
    )
    balance = models.IntegerField(_("points"), default=0)

    class Meta:
        verbose_name = _("points account")
        constraints = [
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="points_not_negative")
        ]

    def __str__(self) -> str:
        return f"Points of {self.customer_id}: {self.balance}"


class PointsEntryKind(models.TextChoices):
    EARNED = "earned", _("Earned on an order")
    REDEEMED = "redeemed", _("Spent on an order")
    EARN_REVERSED = "earn_reversed", _("Taken back: order refunded")
    REDEEM_RESTORED = "redeem_restored", _("Given back: order refunded")
    EXPIRED = "expired", _("Expired")


class PointsEntry(models.Model):
    """One signed movement of points; entries are only ever added."""

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=16, choices=PointsEntryKind.choices)
    points = models.IntegerField()
    balance_after = models.IntegerField()
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Earned points expire on this day unless spent first (oldest points are spent first).
    expires_on = models.DateField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(points=0), name="points_entry_not_zero"),
            # An order earns once and spends once, whatever retries or re-deliveries happen.
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=models.Q(kind__in=["earned", "redeemed"]),
                name="points_earned_or_spent_once_per_order",
            ),
        ]
        indexes = [models.Index(fields=["account", "kind", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.points}"
