"""Credit rating per customer (A best … E worst), the manager-editable policy that computes it
and maps grades to payment terms, and invoices for orders paid on credit terms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel
from rapport.core.money import MoneyField


class Grade(models.TextChoices):
    A = "A", _("A — excellent")
    B = "B", _("B — good")
    C = "C", _("C — fair")
    D = "D", _("D — limited")
    E = "E", _("E — prepay only")


GRADE_ORDER = ("A", "B", "C", "D", "E")

# Components of the score, each 0..1 (1 is best); see `rating.components`.
COMPONENTS = ("punctuality", "cancellations", "returns", "tenure", "history", "contacts", "value")


def default_weights() -> dict[str, float]:
    return {
        "punctuality": 30.0,
        "cancellations": 15.0,
        "returns": 10.0,
        "tenure": 15.0,
        "history": 15.0,
        "contacts": 10.0,
        "value": 5.0,
    }


def default_thresholds() -> dict[str, float]:
    """Lowest score (0..100) for each grade; below D's is E."""
    return {"A": 80.0, "B": 65.0, "C": 50.0, "D": 30.0}


def default_terms() -> dict[str, dict[str, Any]]:
    """Per grade: cash-on-delivery limit per order, credit days and credit limit (0 = none)."""
    return {
        "A": {"cod_limit": "2000.00", "credit_days": 60, "credit_limit": "20000.00"},
        "B": {"cod_limit": "1000.00", "credit_days": 30, "credit_limit": "5000.00"},
        "C": {"cod_limit": "500.00", "credit_days": 14, "credit_limit": "1000.00"},
        "D": {"cod_limit": "500.00", "credit_days": 0, "credit_limit": "0.00"},
        "E": {"cod_limit": "0.00", "credit_days": 0, "credit_limit": "0.00"},
    }


class CreditPolicy(TimeStampedModel):
    """The one policy row (pk 1): weights, grade thresholds, terms per grade."""

    weights = models.JSONField(default=default_weights)
    thresholds = models.JSONField(default=default_thresholds)
    terms = models.JSONField(default=default_terms)
    # The grade of a customer nobody has rated yet (new sign-ups before the next refresh).
    unrated_grade = models.CharField(max_length=1, choices=Grade.choices, default=Grade.D)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("credit policy")

    def __str__(self) -> str:
        return "Credit policy"

    def cod_limit(self, grade: str) -> Decimal:
        return Decimal(str(self.terms.get(grade, {}).get("cod_limit", "0")))

    def credit_days(self, grade: str) -> int:
        return int(self.terms.get(grade, {}).get("credit_days", 0))

    def credit_limit(self, grade: str) -> Decimal:
        return Decimal(str(self.terms.get(grade, {}).get("credit_limit", "0")))


def is_overdue(reasons: list[dict[str, Any]]) -> bool:
    return any(r.get("code") == "overdue" for r in reasons)


def effective_grade(computed: str, override: str, reasons: list[dict[str, Any]]) -> str:
    """The grade checkout uses: the manager's override if any, else the computed grade; E
    while an invoice is overdue, whatever the override."""
    return "E" if is_overdue(reasons) else (override or computed)


class CreditRating(TimeStampedModel):
    """A customer's computed grade, the reasons for it, and a manager's override if any."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="credit_rating"
    )
    score = models.DecimalField(max_digits=5, decimal_places=1, default=Decimal("0"))
    computed_grade = models.CharField(max_length=1, choices=Grade.choices)
    # What checkout uses: the override if any, else the computed grade; E while overdue.
    grade = models.CharField(max_length=1, choices=Grade.choices, db_index=True)
    reasons = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField()
    override_grade = models.CharField(max_length=1, choices=Grade.choices, blank=True)
    override_reason = models.CharField(max_length=500, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    override_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("credit rating")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(override_grade="") | models.Q(override_reason=""),
                name="credit_override_reason_needs_grade",
            ),
            models.CheckConstraint(
                condition=models.Q(override_grade="") | ~models.Q(override_reason=""),
                name="credit_override_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grade} ({self.customer_id})"

    @property
    def is_overdue(self) -> bool:
        return is_overdue(self.reasons)

    def effective_grade(self) -> str:
        return effective_grade(self.computed_grade, self.override_grade, self.reasons)


class Invoice(PublicIdModel, TimeStampedModel):
    """What a customer owes for an order placed on credit terms, and by when.

    Open while its payment is pending; `paid_at` is set when the money arrives. Cancelling or
    returning before payment writes the payment down (payments.services), which closes it.
    """

    number = models.CharField(max_length=32, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="invoices"
    )
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="invoice")
    payment = models.OneToOneField(
        "payments.Payment", on_delete=models.PROTECT, related_name="invoice"
    )
    amount = MoneyField(_("amount"))
    currency = models.CharField(max_length=3)
    due_on = models.DateField(_("due on"), db_index=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-due_on", "-id"]
        verbose_name = _("invoice")

    def __str__(self) -> str:
        return self.number
