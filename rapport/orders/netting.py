"""Net line amounts: discounts allocated onto order lines, exact to the cent.

Every discount an order earns (bundle prices today; price lists and loyalty points later) is
spread over the product lines it applies to, so each line knows what was really paid for it:
`OrderLine.net_total = line_total - discount`. The product lines' net totals add up exactly to
the goods total after discounts, so refunds, receipts and reports can work per line.

Allocation is by largest remainder: each line gets its proportional share rounded down to the
cent, and the cents left over go one each to the lines with the largest remainders (ties: the
earlier line). A discount is allocated over the value of the units it concerns: a bundle over
the units that make up its sets (`members`); a discount without `members` (an order-wide
discount, points) over every product line's current net value. A line never gets more discount
than its value, so no net is negative.

Returns use the same cumulative rule per line (`returned_share`): returning units r+1..r+k of a
line of q units with net n refunds round(n x (r+k)/q) - round(n x r/q). Each return gets at most
half a cent more or less than the exact pro-rata value, and returning every unit refunds exactly
n, in any number of returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `amount` (cents, ≥ 0) over `weights` (≥ 0) by largest remainder.

    The parts add up to `amount` exactly. When `amount` ≤ sum(weights) and every weight is in
    cents, no part exceeds its weight. Raises `ValueError` for a negative amount or weight, or
    a positive amount with nothing to put it on.
    """
    amount = amount.quantize(CENT)
    if amount < 0 or any(w < 0 for w in weights):
        raise ValueError("Amounts and weights to allocate must not be negative.")
    whole = sum(weights, ZERO)
    if amount == 0:
        return [ZERO for _w in weights]
    if whole <= 0:
        raise ValueError("Nothing to allocate the amount onto.")
    exact = [amount * w / whole for w in weights]
    parts = [e.quantize(CENT, rounding=ROUND_DOWN) for e in exact]
    cents_left = int((amount - sum(parts, ZERO)) / CENT)
    # Largest remainder first; the earlier line wins a tie so the result is deterministic.
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:cents_left]:
        parts[i] += CENT
    return parts


def allocate_discounts(
    lines: Sequence[tuple[int, Decimal]], discounts: Iterable[Any]
) -> list[Decimal]:
    """The discount each product line carries, given lines as (product id, line total).

    Each discount has a positive `amount` and may have `members`: (product id, value) pairs,
    the value of that product's units the discount concerns (a bundle's sets). Discounts are
    allocated one after the other, each over what the lines are still worth. Raises
    `ValueError` when a discount is larger than the value it applies to.
    """
    discount = [ZERO for _line in lines]
    for d in discounts:
        net = [total - discount[i] for i, (_pid, total) in enumerate(lines)]
        members: Mapping[int, Decimal] = dict(getattr(d, "members", ()) or ())
        weights = _member_weights(lines, net, members) if members else net
        if d.amount > sum(weights, ZERO):
            raise ValueError("A discount is larger than the goods it applies to.")
        for i, part in enumerate(allocate(d.amount, weights)):
            discount[i] += part
    return discount


def _member_weights(
    lines: Sequence[tuple[int, Decimal]], net: Sequence[Decimal], members: Mapping[int, Decimal]
) -> list[Decimal]:
    # A product's value is split over its lines by their net (one line per product in a
    # cart, but orders from elsewhere may repeat one); never more than a line is still worth.
    per_product: dict[int, Decimal] = {}
    for i, (pid, _total) in enumerate(lines):
        per_product[pid] = per_product.get(pid, ZERO) + net[i]
    weights: list[Decimal] = []
    for i, (pid, _total) in enumerate(lines):
        wanted = members.get(pid, ZERO)
        pool = per_product.get(pid, ZERO)
        share = wanted if pool == net[i] else (wanted * net[i] / pool if pool > 0 else ZERO)
        weights.append(min(share.quantize(CENT, rounding=ROUND_DOWN), net[i]))
    return weights


def returned_share(net: Decimal, quantity: int, before: int, now: int) -> Decimal:
    """What units `before`+1 … `now` of a line of `quantity` units with net total `net` are
    worth: the cumulative pro-rata value, rounded half-up, after minus before."""
    if quantity <= 0 or not 0 <= before <= now <= quantity:
        raise ValueError("Returned units must lie within the line's quantity.")
    return _cumulative(net, now, quantity) - _cumulative(net, before, quantity)


def _cumulative(net: Decimal, units: int, quantity: int) -> Decimal:
    if units == quantity:
        return net
    return (net * units / quantity).quantize(CENT, rounding=ROUND_HALF_UP)


def shipping_share(
    shipping: Decimal, goods_net: Decimal, returned_net: Decimal, *, everything_back: bool
) -> Decimal:
    """The shipping that goes back with goods worth `returned_net` (cumulative: all returns so
    far, this one included) of an order whose goods cost `goods_net` after discounts:
    proportional to value, rounded half-up; all of it once every unit is back. Callers
    subtract the shares already refunded."""
    if everything_back:
        return shipping
    if goods_net <= 0:
        return ZERO
    return min(shipping, (shipping * returned_net / goods_net).quantize(CENT, ROUND_HALF_UP))
