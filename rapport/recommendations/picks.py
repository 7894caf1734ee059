"""Reads for the personal blocks: "Picked for you" (stored next-basket lists) and "Buy again".

`shown` is THE rule for what the "Picked for you" block shows from a customer's stored ranked
list; the storefront (`picked_for_you`) and `evaluate_next_basket` (its `ours_as_shown`) both
call it, so the evaluation scores exactly what a shopper sees. "Buy again" is computed per
request from the customer's own orders with the repeat model (`repeat.py`): one query for the
lines, one for the products, one for their stock.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.catalog.models import Product
from rapport.customers.models import Customer
from rapport.inventory.models import StockRecord
from rapport.orders.models import LineKind, OrderKind, OrderLine, OrderStatus
from rapport.recommendations import repeat
from rapport.recommendations.baskets import History, days
from rapport.recommendations.models import CustomerPicks

PICKED_FOR_YOU = 4  # items in the home page's "Picked for you" block
STORED = 24  # items kept per customer, so that enough remain after stock and catalogue checks
BUY_AGAIN = 4  # items in a "Buy again" block
# Orders that did not happen (or were undone) teach nothing about what a customer re-orders.
NOT_BOUGHT = (OrderStatus.CANCELLED, OrderStatus.RETURNED, OrderStatus.REFUNDED)


def shown[T](ranked: Iterable[T], *, sellable: Callable[[T], bool] = lambda _i: True) -> list[T]:
    """The block's items: the first `PICKED_FOR_YOU` of the ranked list that are sellable."""
    out: list[T] = []
    for item in ranked:
        if sellable(item):
            out.append(item)
            if len(out) == PICKED_FOR_YOU:
                break
    return out


@dataclass(frozen=True)
class Pick:
    product: Product
    reason: str
    quantity: int  # prefilled in the one-click form


Row = tuple[int, int, datetime.datetime, int, int]


def bought_lines(customer_ids: Iterable[int] | None = None) -> Iterable[Row]:
    """Product lines of real orders (not credit notes, not cancelled or returned), optionally of
    some customers only, as (customer, order, placed_at, product, quantity) tuples."""
    lines = OrderLine.objects.filter(
        order__kind=OrderKind.ORDER,
        order__customer__isnull=False,
        kind=LineKind.PRODUCT,
        product__isnull=False,
        quantity__gt=0,
    ).exclude(order__status__in=NOT_BOUGHT)
    if customer_ids is not None:
        lines = lines.filter(order__customer_id__in=list(customer_ids))
    return lines.values_list(
        "order__customer_id", "order_id", "order__placed_at", "product_id", "quantity"
    ).order_by("order__placed_at", "order_id")


def history_from_lines(rows: Iterable[Row]) -> History:
    """A `History` whose customers and items are database ids (as strings, sorted by id)."""
    baskets: dict[int, tuple[int, float, dict[int, int]]] = {}
    for customer_id, order_id, placed_at, product_id, quantity in rows:
        entry = baskets.setdefault(order_id, (customer_id, days(placed_at), {}))
        entry[2][product_id] = entry[2].get(product_id, 0) + quantity
    customers = sorted({c for c, _t, _q in baskets.values()})
    items = sorted({p for _c, _t, q in baskets.values() for p in q})
    cust_index = {c: i for i, c in enumerate(customers)}
    item_index = {p: i for i, p in enumerate(items)}
    ordered = sorted(baskets.values(), key=lambda b: b[1])
    starts, l_item, l_qty = [0], [], []
    for _c, _t, q in ordered:
        for p in sorted(q, key=item_index.__getitem__):
            l_item.append(item_index[p])
            l_qty.append(q[p])
        starts.append(len(l_item))
    return History(
        customers=[str(c) for c in customers],
        items=[str(p) for p in items],
        basket_customer=np.asarray([cust_index[b[0]] for b in ordered], dtype=np.int64),
        basket_time=np.asarray([b[1] for b in ordered], dtype=np.float64),
        basket_start=np.asarray(starts, dtype=np.int64),
        line_item=np.asarray(l_item, dtype=np.int64),
        line_quantity=np.asarray(l_qty, dtype=np.int64),
    )


def sellable_ids(product_ids: Iterable[int]) -> dict[int, Product]:
    """The products among these that can be shown and sold now: on sale (not retired), priced
    and in stock."""
    ids = list(dict.fromkeys(product_ids))
    in_stock = StockRecord.objects.filter(product_id__in=ids, quantity__gt=0).values_list(
        "product_id", flat=True
    )
    return {
        p.pk: p
        for p in Product.objects.filter(
            pk__in=list(in_stock), is_active=True, price__isnull=False, price__gt=0
        )
    }


def interval_phrase(interval_days: float) -> str:
    if interval_days < 14:
        n = max(round(interval_days), 1)
        return ngettext("every day", "every %(n)d days", n) % {"n": n}
    weeks = round(interval_days / 7)
    return ngettext("every week", "every %(n)d weeks", weeks) % {"n": weeks}


def repeat_reason(*, interval: float, orders: int, due: bool) -> str:
    """Why an item the customer bought before is suggested again, in the visitor's language."""
    if interval == interval and interval > 0:  # not NaN
        phrase = interval_phrase(interval)
        if due:
            return _("Due again: you order this about %(every)s.") % {"every": phrase}
        return _("You order this about %(every)s.") % {"every": phrase}
    return ngettext("You ordered this once before.", "You ordered this %(n)d times.", orders) % {
        "n": orders
    }


def buy_again(
    customer: Customer | None, *, exclude: Iterable[int] = (), limit: int = BUY_AGAIN
) -> list[Pick]:
    """The customer's items to order again, by the repeat model (due items first at equal
    frequency), with their usual quantity; only what is sellable now and not in `exclude`."""
    if customer is None:
        return []
    history = history_from_lines(bought_lines([customer.pk]))
    if not history.basket_count:
        return []
    stats = repeat.repeat_stats(history, now=days(timezone.now()))
    score = stats.score()
    order = np.lexsort((stats.item, -score))
    excluded = set(exclude)
    ranked = [int(history.items[stats.item[i]]) for i in order]
    sellable = sellable_ids(p for p in ranked if p not in excluded)
    due = stats.is_due()
    out: list[Pick] = []
    for i in order:
        product_id = int(history.items[stats.item[i]])
        if product_id in excluded or product_id not in sellable:
            continue
        out.append(
            Pick(
                product=sellable[product_id],
                reason=repeat_reason(
                    interval=float(stats.interval[i]), orders=int(stats.orders[i]), due=bool(due[i])
                ),
                quantity=int(stats.quantity[i]),
            )
        )
        if len(out) == limit:
            break
    return out


def _pick_reason(code: str, value: float, names: dict[int, str]) -> str:
    if code == "every":
        return _("You order this about %(every)s.") % {"every": interval_phrase(value)}
    if code == "again":
        return ngettext(
            "You ordered this once before.", "You ordered this %(n)d times.", int(value)
        ) % {"n": int(value)}
    if code == "like" and int(value) in names:
        return _("Customers like you who order “%(product)s” also order this.") % {
            "product": names[int(value)]
        }
    return _("Popular with customers right now.")


def picked_for_you(customer: Customer | None) -> list[Pick] | None:
    """The "Picked for you" block: `shown` applied to the stored list, with the reasons.
    None when no list is stored for the customer yet (the caller falls back)."""
    if customer is None:
        return None
    stored = CustomerPicks.objects.filter(customer=customer).first()
    if stored is None:
        return None
    entries = [(int(p), str(code), float(value), int(q)) for p, code, value, q in stored.items]
    sellable = sellable_ids(p for p, _c, _v, _q in entries)
    chosen = shown(entries, sellable=lambda e: e[0] in sellable)
    liked = {int(v) for _p, c, v, _q in chosen if c == "like"}
    names = dict(Product.objects.filter(pk__in=liked).values_list("pk", "name")) if liked else {}
    return [
        Pick(product=sellable[p], reason=_pick_reason(code, value, names), quantity=q)
        for p, code, value, q in chosen
    ]


def picks_are_stale(customer: Customer) -> bool:
    """True when the customer has no stored list or ordered after it was computed."""
    from rapport.orders.models import Order

    stored = CustomerPicks.objects.filter(customer=customer).values_list("computed_at", flat=True)
    computed = stored.first()
    orders = Order.objects.filter(customer=customer, kind=OrderKind.ORDER)
    if computed is None:
        return orders.exists()
    return orders.filter(placed_at__gt=computed).exists()
