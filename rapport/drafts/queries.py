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


def lines_from_rows(
    skus: list[str], quantities: list[str], removed: list[str] | None = None
) -> list[Any]:
    """Draft lines from a form's parallel lists (blank SKUs and removed ones left out). Raises
    DraftError naming the row for an unknown SKU or a quantity that is not a whole number."""
    from django.utils.translation import gettext as _

    from rapport.catalog.models import Product
    from rapport.drafts.services import DraftError, DraftLineInput

    dropped = {s.strip() for s in removed or []}
    wanted = [
        (sku.strip(), qty)
        for sku, qty in zip(skus, quantities + [""] * len(skus), strict=False)
        if sku.strip() and sku.strip() not in dropped
    ]
    products = {p.sku: p for p in Product.objects.filter(sku__in=[s for s, _q in wanted])}
    lines = []
    for sku, raw in wanted:
        if sku not in products:
            raise DraftError(_("No product with SKU “%(sku)s”.") % {"sku": sku})
        try:
            quantity = int(str(raw).strip())
        except ValueError:
            raise DraftError(_("%(sku)s: enter a whole number of items.") % {"sku": sku}) from None
        lines.append(DraftLineInput(products[sku], quantity))
    return lines


def placing_options(draft: DraftOrder, total: Decimal) -> dict[str, Any]:
    """What placing a draft in the portal offers: the customer's addresses, shipping methods
    and the payment modes their credit rating allows that need no card at hand."""
    from rapport.checkout.models import Address
    from rapport.checkout.shipping import METHODS
    from rapport.credit.queries import payment_terms
    from rapport.payments.models import PaymentMethod

    usable = (PaymentMethod.CREDIT_TERMS, PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.WALLET)
    allowed = [m for m in payment_terms(draft.customer).methods(total) if m in usable]
    return {
        "addresses": list(Address.objects.filter(customer=draft.customer).order_by("-id")),
        "shipping_methods": list(METHODS.values()),
        "payment_methods": [(str(m), str(PaymentMethod(m).label)) for m in allowed],
    }
