"""What is known about an order at the moment it is placed, as a feature vector, and in words.

The same vector is built from the Online Retail invoices (`retail.py`, for learning and the
evaluation command) and from the store's own orders (`store.py`, at checkout), so a model learned
on one can score the other. Everything here uses only the past of the order: the customer's
earlier orders and cancellations, and how often each product and country was cancelled before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

FEATURES = (
    "prior_orders",
    "prior_cancellations",
    "cancel_share",
    "cancel_value_share",
    "tenure_days",
    "days_since_last_order",
    "days_since_last_cancellation",
    "orders_same_day",
    "orders_last_30_days",
    "cancelled_orders_share",
    "basket_codes_cancelled_before",
    "lines",
    "log_units",
    "log_value",
    "value_vs_history",
    "log_mean_order_value",
    "log_past_spend",
    "lines_vs_history",
    "mean_unit_price",
    "max_quantity",
    "product_cancel_rate_mean",
    "product_cancel_rate_max",
    "share_often_cancelled",
    "new_products_share",
    "country_cancel_rate",
    "is_home_country",
    "hour",
    "weekday",
)
# A product is "often cancelled" when more than this share of its earlier sales lines were.
OFTEN_CANCELLED = 0.05
MISSING = -1.0


@dataclass
class CustomerHistory:
    """A customer's past up to (not including) the order being scored."""

    orders: int = 0
    cancellations: int = 0
    sold_value: float = 0.0
    cancelled_value: float = 0.0
    lines: int = 0
    first_at: datetime | None = None
    last_order_at: datetime | None = None
    last_cancellation_at: datetime | None = None
    recent_days: list[datetime] = field(default_factory=list)
    order_dates: list[datetime] = field(default_factory=list)
    # Earlier orders known to be cancelled (wholly or in part) before this one was placed.
    cancelled_orders: int = 0
    cancelled_codes: set[str] = field(default_factory=set)


@dataclass
class Basket:
    """The order being scored: per product code its quantity and value."""

    placed_at: datetime
    country: str
    lines: dict[str, tuple[int, float]]

    @property
    def value(self) -> float:
        return sum(v for _q, v in self.lines.values())

    @property
    def units(self) -> int:
        return sum(q for q, _v in self.lines.values())


@dataclass
class Rates:
    """How often each product and each country was cancelled so far (counts of lines/orders)."""

    product_sold: dict[str, int] = field(default_factory=dict)
    product_cancelled: dict[str, int] = field(default_factory=dict)
    country_orders: dict[str, int] = field(default_factory=dict)
    country_cancellations: dict[str, int] = field(default_factory=dict)
    home_country: str = "United Kingdom"

    def product_rate(self, code: str) -> float | None:
        sold = self.product_sold.get(code, 0)
        if sold == 0:
            return None
        return min(1.0, self.product_cancelled.get(code, 0) / sold)

    def country_rate(self, country: str) -> float:
        # Smoothed toward 5 % so a country seen twice does not look certain either way.
        orders = self.country_orders.get(country, 0)
        return (self.country_cancellations.get(country, 0) + 1.0) / (orders + 20.0)


def _days(a: datetime, b: datetime | None) -> float:
    return MISSING if b is None else max(0.0, (a - b).total_seconds() / 86400.0)


def vector(history: CustomerHistory, basket: Basket, rates: Rates) -> list[float]:
    """The feature vector, in `FEATURES` order."""
    t = basket.placed_at
    value, units, n_lines = basket.value, basket.units, len(basket.lines)
    total_events = history.orders + history.cancellations
    cancel_share = history.cancellations / total_events if total_events else 0.0
    mean_value = history.sold_value / history.orders if history.orders else 0.0
    mean_lines = history.lines / history.orders if history.orders else 0.0
    product_rates = [rates.product_rate(code) for code in basket.lines]
    known = [r for r in product_rates if r is not None]
    same_day = sum(1 for d in history.recent_days if 0 <= (t - d).total_seconds() < 86400)
    return [
        float(history.orders),
        float(history.cancellations),
        cancel_share,
        history.cancelled_value / history.sold_value if history.sold_value > 0 else 0.0,
        _days(t, history.first_at),
        _days(t, history.last_order_at),
        _days(t, history.last_cancellation_at),
        float(same_day),
        float(sum(1 for d in history.order_dates if 0 <= (t - d).days < 30)),
        history.cancelled_orders / history.orders if history.orders else 0.0,
        (
            sum(1 for code in basket.lines if code in history.cancelled_codes) / n_lines
            if n_lines
            else 0.0
        ),
        float(n_lines),
        math.log1p(max(units, 0)),
        math.log1p(max(value, 0.0)),
        value / mean_value if mean_value > 0 else MISSING,
        math.log1p(mean_value),
        math.log1p(max(history.sold_value, 0.0)),
        n_lines / mean_lines if mean_lines > 0 else MISSING,
        value / units if units > 0 else 0.0,
        float(max((q for q, _v in basket.lines.values()), default=0)),
        sum(known) / len(known) if known else MISSING,
        max(known) if known else MISSING,
        sum(1 for r in known if r > OFTEN_CANCELLED) / n_lines if n_lines else 0.0,
        (n_lines - len(known)) / n_lines if n_lines else 0.0,
        rates.country_rate(basket.country),
        1.0 if basket.country == rates.home_country else 0.0,
        float(t.hour),
        float(t.weekday()),
    ]


def baseline(history: CustomerHistory) -> float:
    """The baseline score: the customer's past cancellation share."""
    total = history.orders + history.cancellations
    return history.cancellations / total if total else 0.0


def explain(values: list[float]) -> list[str]:
    """The features that stand out, in words (plain text; templates escape it)."""
    f = dict(zip(FEATURES, values, strict=True))
    reasons: list[str] = []
    if f["prior_orders"] == 0:
        reasons.append(_("First order of this customer."))
    if f["prior_cancellations"] > 0:
        reasons.append(
            _("The customer cancelled %(n)d time(s) before (%(share).0f%% of their orders).")
            % {"n": int(f["prior_cancellations"]), "share": 100 * f["cancel_share"]}
        )
    if 0 <= f["days_since_last_cancellation"] < 30:
        reasons.append(_("Last cancellation less than 30 days ago."))
    if f["value_vs_history"] >= 3:
        reasons.append(
            _("The basket is worth %(x).1f times the customer's average order.")
            % {"x": f["value_vs_history"]}
        )
    if f["share_often_cancelled"] >= 0.25:
        reasons.append(
            _("%(share).0f%% of the items are often cancelled by other customers.")
            % {"share": 100 * f["share_often_cancelled"]}
        )
    if f["max_quantity"] >= 100:
        reasons.append(_("A line of %(n)d units (bulk quantity).") % {"n": int(f["max_quantity"])})
    if f["orders_same_day"] >= 3:
        reasons.append(
            _("%(n)d other orders by this customer in the last 24 hours.")
            % {"n": int(f["orders_same_day"])}
        )
    if f["country_cancel_rate"] >= 0.1:
        reasons.append(
            _("Orders to this country are often cancelled (%(rate).0f%%).")
            % {"rate": 100 * f["country_cancel_rate"]}
        )
    return reasons
