"""Reads of draft orders: lists for staff and customers, a draft with its priced lines."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet

from rapport.core.money import line_total
from rapport.drafts.access import drafts_visible_to
from rapport.drafts.models import DraftLine, DraftOrder
from rapport.pricing.queries import prices_for

LINES = Prefetch("lines", queryset=DraftLine.objects.select_related("product").order_by("position"))


def drafts_for(user: Any, *, status: str = "") -> QuerySet[DraftOrder]:
    """The drafts `user` may see, newest change first, with customer, author, order and lines."""
    drafts = (
        drafts_visible_to(user)
        .select_related("customer", "created_by", "order")
        .prefetch_related(LINES)
    )
    if status:
        drafts = drafts.filter(status=status)
    return drafts.order_by("-updated_at", "-id")


@dataclass(frozen=True)
class PricedDraftLine:
    line: DraftLine
    unit_price: Decimal
    total: Decimal


def priced_lines(draft: DraftOrder) -> tuple[list[PricedDraftLine], Decimal]:
    """The draft's lines at the customer's current prices and their sum (an estimate: placing
    prices them again, with bundle discounts and shipping)."""
    lines = list(draft.lines.select_related("product").order_by("position", "id"))
    prices = prices_for(
        [(x.product_id, x.product.price or Decimal(0), x.quantity) for x in lines],
        customer_id=draft.customer_id,
    )
    priced = [
        PricedDraftLine(
            x,
            prices[x.product_id].unit_price,
            line_total(prices[x.product_id].unit_price, x.quantity),
        )
        for x in lines
    ]
    return priced, sum((p.total for p in priced), Decimal("0.00"))
