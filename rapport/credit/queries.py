"""Reads of the credit domain: a customer's grade, the payment modes it allows, reasons."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core.money import format_money
from rapport.credit.models import CreditPolicy, CreditRating, Invoice
from rapport.credit.rating import overdue_q
from rapport.customers.models import Customer
from rapport.payments.models import CreditAccount, PaymentMethod

PREPAID = (PaymentMethod.WALLET, PaymentMethod.CARD)


@dataclass(frozen=True)
class PaymentTerms:
    """What a customer may use at checkout right now."""

    grade: str
    rated: bool
    overdue: bool
    cod_limit: Decimal
    credit_allowed: bool
    credit_days: int
    credit_limit: Decimal

    def methods(self, amount: Decimal | None = None) -> list[str]:
        """Payment modes in checkout order; with `amount`, cash on delivery only up to its
        limit."""
        modes: list[str] = []
        if self.cod_limit > 0 and (amount is None or amount <= self.cod_limit):
            modes.append(PaymentMethod.CASH_ON_DELIVERY)
        modes += PREPAID
        if self.credit_allowed:
            modes.append(PaymentMethod.CREDIT_TERMS)
        return modes


def policy() -> CreditPolicy:
    found = CreditPolicy.objects.filter(pk=1).first()
    return found if found is not None else CreditPolicy(pk=1)


def has_overdue(customer: Customer) -> bool:
    """True the moment an invoice of this customer is past due and unpaid (no task needed)."""
    return Invoice.objects.filter(overdue_q(timezone.localdate()), customer=customer).exists()


def payment_terms(customer: Customer) -> PaymentTerms:
    """The customer's effective grade and what it allows (three small reads).

    Unrated customers get the policy's `unrated_grade`. Credit terms follow the customer's
    credit account, which every rating change keeps in step with the grade. An overdue invoice
    means prepay only, at once, whatever the stored grade.
    """
    rules = policy()
    row = CreditRating.objects.filter(customer=customer).values_list("grade", flat=True).first()
    grade = row or rules.unrated_grade
    overdue = has_overdue(customer)
    if overdue:
        grade = "E"
    account = CreditAccount.objects.filter(customer=customer).first()
    credit = not overdue and account is not None and account.allowed and account.limit > Decimal(0)
    return PaymentTerms(
        grade=grade,
        rated=row is not None,
        overdue=overdue,
        cod_limit=rules.cod_limit(grade),
        credit_allowed=credit,
        credit_days=account.days if credit and account else 0,
        credit_limit=account.limit if credit and account else Decimal("0.00"),
    )


def rating_for(customer: Customer) -> CreditRating | None:
    return CreditRating.objects.filter(customer=customer).select_related("override_by").first()


def invoices_for(customer: Customer, limit: int = 50) -> list[Invoice]:
    return list(
        Invoice.objects.filter(customer=customer)
        .select_related("payment", "order")
        .order_by("-due_on", "-id")[:limit]
    )


def reason_text(reason: dict[str, Any]) -> str:
    """One reason in words, in the active language."""
    code = reason.get("code", "")
    if code == "overdue":
        return _("%(count)s overdue invoice(s), %(amount)s owed: prepay only until paid.") % {
            "count": reason.get("count", 0),
            "amount": format_money(Decimal(str(reason.get("amount", "0")))),
        }
    names = {
        "punctuality": _("Pays credit-terms invoices on time"),
        "cancellations": _("Few cancelled orders or refused cash-on-delivery parcels"),
        "returns": _("Few returns"),
        "tenure": _("Customer for a long time"),
        "history": _("Orders delivered"),
        "contacts": _("Verified contact points"),
        "value": _("Value to the shop (spend, predicted value)"),
    }
    return _("%(name)s: %(value)s of 1 (weight %(weight)s)") % {
        "name": names.get(code, code),
        "value": reason.get("value", 0),
        "weight": reason.get("weight", 0),
    }
