"""The fraud signals: what each rule checks, its default weight and parameter, and its words.

A rule gets the `Facts` of one order and its parameter and returns the observed value when it
fires (else None). Managers change weights, parameters and on/off in the portal (`FraudRule`
rows, created with these defaults on first use). A model trained on a labelled fraud set can plug
in later as one more "rule" whose weight is its probability times 100.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy as _


@dataclass
class Facts:
    """What the store knows about an order and its client at placement."""

    first_order: bool
    seconds_since_signup: float | None
    accounts_on_device: int
    accounts_on_ip: int
    ip_country: str
    shipping_country: str
    orders_last_hour: int
    declines_last_day: int
    account_name: str
    address_name: str
    shipping_method: str
    total: Decimal
    placed_at: datetime


Check = Callable[[Facts, Decimal], float | None]


@dataclass(frozen=True)
class RuleSpec:
    code: str
    label: object  # lazy string
    parameter_label: object
    default_weight: int
    default_parameter: Decimal
    check: Check
    reason: object  # lazy string with %(value)s and %(parameter)s


def _fast_first(f: Facts, p: Decimal) -> float | None:
    s = f.seconds_since_signup
    return s if f.first_order and s is not None and s < float(p) else None


def _count_at_least(value: int, p: Decimal) -> float | None:
    return float(value) if value >= p else None


def _country_mismatch(f: Facts, p: Decimal) -> float | None:
    if not f.ip_country or not f.shipping_country:
        return None
    return 1.0 if f.ip_country.upper() != f.shipping_country.strip().upper()[:2] else None


def _words(text: str) -> set[str]:
    return {w for w in text.lower().replace(",", " ").split() if len(w) > 1}


def _name_mismatch(f: Facts, p: Decimal) -> float | None:
    a, b = _words(f.account_name), _words(f.address_name)
    return 1.0 if a and b and not (a & b) else None


RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "fast_first_purchase",
        _("First purchase right after sign-up"),
        _("seconds"),
        25,
        Decimal(300),
        _fast_first,
        _("First purchase %(value).0f seconds after sign-up (rule: under %(parameter).0f)."),
    ),
    RuleSpec(
        "shared_device",
        _("Device shared by many accounts"),
        _("accounts in 30 days"),
        30,
        Decimal(3),
        lambda f, p: _count_at_least(f.accounts_on_device, p),
        _("This browser placed orders for %(value).0f accounts in 30 days."),
    ),
    RuleSpec(
        "shared_ip",
        _("IP address shared by many accounts"),
        _("accounts in 24 hours"),
        20,
        Decimal(4),
        lambda f, p: _count_at_least(f.accounts_on_ip, p),
        _("This IP address placed orders for %(value).0f accounts in 24 hours."),
    ),
    RuleSpec(
        "ip_country_mismatch",
        _("IP country differs from the shipping country"),
        _("(no parameter)"),
        20,
        Decimal(0),
        _country_mismatch,
        _("The buyer's IP country is not the shipping country."),
    ),
    RuleSpec(
        "velocity",
        _("Many orders in an hour"),
        _("orders in 1 hour"),
        25,
        Decimal(3),
        lambda f, p: _count_at_least(f.orders_last_hour, p),
        _("%(value).0f orders by this customer in the last hour."),
    ),
    RuleSpec(
        "declines",
        _("Card declined before success"),
        _("declines in 24 hours"),
        30,
        Decimal(2),
        lambda f, p: _count_at_least(f.declines_last_day, p),
        _("%(value).0f card declines for this customer in the last 24 hours."),
    ),
    RuleSpec(
        "name_mismatch",
        _("Delivery name differs from the account name"),
        _("(no parameter)"),
        10,
        Decimal(0),
        _name_mismatch,
        _("The delivery name shares no word with the account name."),
    ),
    RuleSpec(
        "express_first_order",
        _("Express shipping on a first order"),
        _("(no parameter)"),
        15,
        Decimal(0),
        lambda f, p: 1.0 if f.first_order and f.shipping_method == "express" else None,
        _("Express shipping on the customer's first order."),
    ),
    RuleSpec(
        "high_value_first_order",
        _("High-value first order"),
        _("order total"),
        20,
        Decimal(500),
        lambda f, p: float(f.total) if f.first_order and f.total >= p else None,
        _("First order worth %(value).2f (rule: from %(parameter).2f)."),
    ),
)
BY_CODE = {rule.code: rule for rule in RULES}


def reason(code: str, value: float, parameter: float) -> str:
    """A fired rule in words (the reader's language)."""
    spec = BY_CODE.get(code)
    if spec is None:
        return code
    return str(spec.reason) % {"value": value, "parameter": parameter}
