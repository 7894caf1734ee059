"""The loyalty programme's settings and arithmetic (no database).

`RAPPORT_LOYALTY` (settings, optional) overrides any of `DEFAULTS`: points earned per unit of
currency of the order's net goods per VIP tier ("" = everyone else), what one point is worth at
checkout, the largest share of the goods an order may pay with points, and how many days earned
points last.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "rates": {"": "1", "important": "2", "strategic": "3"},
    "point_value": "0.01",
    "max_share": "0.5",
    "expiry_days": 365,
}
CENT = Decimal("0.01")


def setting(name: str) -> Any:
    return {**DEFAULTS, **getattr(settings, "RAPPORT_LOYALTY", {})}[name]


def rate_for(tier: str) -> Decimal:
    rates = setting("rates")
    return Decimal(str(rates.get(tier or "", rates.get("", "0"))))


def points_earned(net_goods: Decimal, tier: str) -> int:
    """Whole points for goods worth `net_goods` after every discount (never negative)."""
    if net_goods <= 0:
        return 0
    return int((net_goods * rate_for(tier)).to_integral_value(rounding=ROUND_DOWN))


def point_value() -> Decimal:
    return Decimal(str(setting("point_value")))


def value_of(points: int) -> Decimal:
    return (point_value() * points).quantize(CENT, rounding=ROUND_HALF_UP)


def most_points_for(goods: Decimal, balance: int) -> int:
    """The most points an order with goods worth `goods` may spend, given the balance."""
    cap = goods * Decimal(str(setting("max_share")))
    by_share = int((cap / point_value()).to_integral_value(rounding=ROUND_DOWN)) if cap > 0 else 0
    return max(0, min(balance, by_share))


def cumulative_share(points: int, share: Decimal) -> int:
    """Points that go with `share` (0..1) of an order, rounded half-up (all of them at 1)."""
    share = min(max(share, Decimal(0)), Decimal(1))
    if share == 1:
        return points
    return int((points * share).to_integral_value(rounding=ROUND_HALF_UP))
