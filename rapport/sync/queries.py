"""What a pull hands out: the objects of each type the caller may see that changed after the
cursor's watermark, oldest change first, through the same access helpers as the HTML views.

Types are walked in a fixed order (`TYPES`); each has its own watermark, the (updated_at, id)
of the last row handed out (messages, which never change, use their id alone). Reads are in
bulk: one query per type and page plus its prefetches, never one per object.

A row's `updated_at` (and a message's id) is taken before its transaction commits, so a row
committed late can carry an earlier stamp than one already handed out, and a watermark past
it would skip it for good. A pull therefore hands out only changes older than
`RAPPORT_SYNC_SETTLE_SECONDS` (transactions here last milliseconds; the margin is seconds), and
messages only up to the first one younger than that: the rest comes with the next pull.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from rapport.accounts.roles import is_employee
from rapport.catalog.models import SELLABLE, Product
from rapport.chat.access import rooms_visible_to_staff, rooms_visible_to_visitor
from rapport.chat.models import Message, Room
from rapport.customers.access import customers_visible_to
from rapport.drafts.access import drafts_visible_to
from rapport.drafts.queries import LINES as DRAFT_LINES
from rapport.orders.access import orders_visible_to
from rapport.orders.models import OrderLine
from rapport.pricing.queries import prices_for
from rapport.quotes.access import quotes_visible_to
from rapport.quotes.queries import with_versions
from rapport.sync.cursor import Watermark
from rapport.workspace.models import Note

TYPES = (
    "product",
    "customer",
    "order",
    "quote",
    "draft_order",
    "note",
    "conversation",
    "message",
)


@dataclass
class Change:
    type: str
    obj: Any
    deleted: bool = False


@dataclass
class Page:
    changes: list[Change]
    marks: dict[str, Watermark]
    more: bool
    prices: dict[int, Decimal] = field(default_factory=dict)


def _rooms(user: Any) -> QuerySet[Any]:
    if is_employee(user):
        return rooms_visible_to_staff(user)
    return rooms_visible_to_visitor(user, None)


def visible(kind: str, user: Any, *, first: bool) -> QuerySet[Any]:
    """Everything of `kind` the caller may see (`first`: a pull from the start, which leaves
    out products no longer on sale — there is nothing on the device to delete yet)."""
    if kind == "product":
        products = Product.objects.select_related("category", "stock")
        return products.filter(SELLABLE) if first else products
    if kind == "customer":
        return customers_visible_to(user)
    if kind == "order":
        lines = OrderLine.objects.order_by("position", "id")
        return (
            orders_visible_to(user)
            .select_related("customer")
            .prefetch_related(Prefetch("lines", queryset=lines))
        )
    if kind == "quote":
        return with_versions(quotes_visible_to(user))
    if kind == "draft_order":
        return (
            drafts_visible_to(user)
            .select_related("customer", "created_by", "order")
            .prefetch_related(DRAFT_LINES)
        )
    if kind == "note":
        if not is_employee(user):
            return Note.objects.none()
        # Staff get their own notes: written by them, addressed to them or naming them.
        mine = Q(author=user) | Q(to_user=user) | Q(mentions__user=user)
        ids = Note.objects.filter(mine).values("pk")
        return Note.objects.filter(pk__in=ids).select_related(
            "author", "to_user", "customer", "order"
        )
    if kind == "conversation":
        return Room.objects.filter(pk__in=_rooms(user).values("pk"))
    if kind == "message":
        return Message.objects.filter(room__in=_rooms(user).values("pk")).select_related("room")
    raise ValueError(kind)


def _after(
    kind: str, qs: QuerySet[Any], mark: Watermark | None, settled: datetime
) -> QuerySet[Any]:
    if kind == "message":
        if mark is not None:
            qs = qs.filter(pk__gt=mark[1])
        return qs.order_by("pk")
    if mark is not None:
        at, pk = mark
        qs = qs.filter(Q(updated_at__gt=at) | Q(updated_at=at, pk__gt=pk))
    return qs.filter(updated_at__lte=settled).order_by("updated_at", "pk")


def _settled_prefix(kind: str, rows: list[Any], settled: datetime) -> list[Any]:
    """Messages go by id: stop at the first one written after `settled` (an earlier id may
    still be committing); the rest waits for a later pull."""
    if kind != "message":
        return rows
    for index, row in enumerate(rows):
        if row.created_at > settled:
            return rows[:index]
    return rows


def _mark(kind: str, obj: Any) -> Watermark:
    return (None if kind == "message" else obj.updated_at, obj.pk)


def customer_prices(user: Any, products: list[Product]) -> dict[int, Decimal]:
    """A customer's own unit price (price lists, one unit) for each product: one query."""
    if is_employee(user) or not products:
        return {}
    from rapport.customers.models import Customer

    customer = Customer.objects.filter(user=user).values_list("pk", flat=True).first()
    if customer is None:
        return {}
    prices = prices_for(
        [(p.pk, p.price or Decimal(0), 1) for p in products if p.price],
        customer_id=customer,
        at=timezone.now(),
    )
    return {pk: price.unit_price for pk, price in prices.items()}


def changes_since(user: Any, marks: dict[str, Watermark], limit: int) -> Page:
    """Up to `limit` changes after `marks` that `user` may see, and the marks after them."""
    new_marks = dict(marks)
    changes: list[Change] = []
    more = False
    first = not marks
    settled = timezone.now() - timedelta(seconds=settings.RAPPORT_SYNC_SETTLE_SECONDS)
    for kind in TYPES:
        remaining = limit - len(changes)
        if remaining <= 0:
            more = True
            break
        query = _after(kind, visible(kind, user, first=first), marks.get(kind), settled)
        rows = _settled_prefix(kind, list(query[: remaining + 1]), settled)
        if len(rows) > remaining:
            more = True
            rows = rows[:remaining]
        if rows:
            new_marks[kind] = _mark(kind, rows[-1])
        for obj in rows:
            deleted = kind == "product" and not obj.is_sellable
            changes.append(Change(kind, obj, deleted))
    products = [c.obj for c in changes if c.type == "product" and not c.deleted]
    return Page(changes, new_marks, more, customer_prices(user, products))
