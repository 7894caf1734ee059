"""The price rule, without Django: which price a customer pays for a quantity of one product.

Magento's rule (tier and customer-group prices): every item of every list that applies to the
customer and whose minimum quantity is reached is a candidate; the customer pays the **lowest**
candidate, and never more than the product's list price. A list's priority only decides which
list is recorded when two give the same price (then the higher priority, then the older list).
Because every reached tier stays a candidate, buying more never raises the unit price.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Rule:
    """One price-list item that applies to the customer today."""

    price_list_id: int
    priority: int
    min_quantity: int
    fixed_price: Decimal | None = None
    percent_off: Decimal | None = None

    def price(self, list_price: Decimal) -> Decimal:
        if self.fixed_price is not None:
            return max(self.fixed_price, Decimal("0.00")).quantize(CENT)
        off = min(max(self.percent_off or Decimal(0), Decimal(0)), HUNDRED)
        return (list_price * (HUNDRED - off) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CustomerPrice:
    """A unit price for one customer: what they pay, the list price, and the list it came from
    (None when the list price stands)."""

    unit_price: Decimal
    list_price: Decimal
    price_list_id: int | None = None

    @property
    def is_reduced(self) -> bool:
        return self.unit_price < self.list_price


def resolve(list_price: Decimal, quantity: int, rules: Iterable[Rule]) -> CustomerPrice:
    """The customer's unit price for `quantity` units of a product at `list_price`."""
    list_price = list_price.quantize(CENT)
    best: tuple[Decimal, int, int] | None = None
    for rule in rules:
        if rule.min_quantity > quantity:
            continue
        key = (rule.price(list_price), -rule.priority, rule.price_list_id)
        if best is None or key < best:
            best = key
    if best is None or best[0] >= list_price:
        return CustomerPrice(list_price, list_price, None)
    return CustomerPrice(best[0], list_price, best[2])


def tier_breaks(list_price: Decimal, rules: Sequence[Rule]) -> list[tuple[int, Decimal]]:
    """(from quantity, unit price) for each quantity above 1 where the price drops."""
    breaks: list[tuple[int, Decimal]] = []
    current = resolve(list_price, 1, rules).unit_price
    for quantity in sorted({r.min_quantity for r in rules if r.min_quantity > 1}):
        price = resolve(list_price, quantity, rules).unit_price
        if price < current:
            breaks.append((quantity, price))
            current = price
    return breaks
