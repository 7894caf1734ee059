"""Reads of quotes: lists for staff and customers, versions with lines, side-by-side changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet

from rapport.quotes.access import quotes_visible_to
from rapport.quotes.models import OPEN_STATUSES, Quote, QuoteLine, QuoteStatus, QuoteVersion


def staff_quotes(user: Any, *, status: str = "") -> QuerySet[Quote]:
    """The quotes a staff member may see (their own; every quote for a manager), newest
    activity first, with customer and owner loaded."""
    quotes = quotes_visible_to(user).select_related("customer", "owner", "order")
    if status in QuoteStatus.values:
        quotes = quotes.filter(status=status)
    return quotes.order_by("-updated_at", "-id")


def customer_quotes(user: Any) -> QuerySet[Quote]:
    """A signed-in customer's sent quotes, newest activity first."""
    return quotes_visible_to(user).select_related("order").order_by("-updated_at", "-id")


def quotes_of(customer: Any, user: Any) -> QuerySet[Quote]:
    """The quotes of one customer that `user` may see (the customer 360° page)."""
    return staff_quotes(user).filter(customer=customer)


def awaiting_staff(user: Any) -> QuerySet[Quote]:
    """Quotes owned by `user` the customer has answered (countered, accepted, declined) since
    the owner last acted on them: the "quotes" group of the day's tasks."""
    return (
        Quote.objects.filter(owner=user, needs_staff_attention=True)
        .select_related("customer")
        .order_by("updated_at", "id")
    )


def versions(quote: Quote) -> list[QuoteVersion]:
    """Every version of a quote, oldest first, each with its lines (two queries)."""
    lines = QuoteLine.objects.select_related("product").order_by("position", "id")
    return list(
        QuoteVersion.objects.filter(quote=quote)
        .select_related("author")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("number")
    )


def latest(quote: Quote) -> QuoteVersion:
    return next(v for v in versions(quote) if v.number == quote.latest_number)


@dataclass
class Cell:
    """One product in one version: what was offered, and whether it differs from the version
    before (`new` when the product was not on it)."""

    quantity: int | None
    unit_price: Decimal | None
    quantity_changed: bool = False
    price_changed: bool = False
    new: bool = False
    removed: bool = False


@dataclass
class ComparisonRow:
    sku: str
    name: str
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Comparison:
    versions: list[QuoteVersion]
    rows: list[ComparisonRow]
    totals_changed: list[bool]
    validity_changed: list[bool]


def comparison(all_versions: list[QuoteVersion]) -> Comparison:
    """Versions side by side: one row per product ever offered, one cell per version, each
    flagged where it differs from the previous version (for highlighting)."""
    order: dict[int, ComparisonRow] = {}
    for version in all_versions:
        for offered in version.lines.all():
            if offered.product_id not in order:
                order[offered.product_id] = ComparisonRow(sku=offered.sku, name=offered.name)
    for product_id, row in order.items():
        previous: QuoteLine | None = None
        for i, version in enumerate(all_versions):
            line: QuoteLine | None = next(
                (x for x in version.lines.all() if x.product_id == product_id), None
            )
            if line is None:
                row.cells.append(Cell(None, None, removed=i > 0 and previous is not None))
            else:
                row.cells.append(
                    Cell(
                        line.quantity,
                        line.unit_price,
                        quantity_changed=previous is not None
                        and previous.quantity != line.quantity,
                        price_changed=previous is not None
                        and previous.unit_price != line.unit_price,
                        new=i > 0 and previous is None,
                    )
                )
            previous = line
    totals = [i > 0 and v.total != all_versions[i - 1].total for i, v in enumerate(all_versions)]
    validity = [
        i > 0 and v.valid_until != all_versions[i - 1].valid_until
        for i, v in enumerate(all_versions)
    ]
    return Comparison(all_versions, list(order.values()), totals, validity)


def is_open(quote: Quote) -> bool:
    return quote.status in OPEN_STATUSES


@dataclass
class AcceptanceOptions:
    """What accepting a quote asks for: a delivery address of the customer, a shipping method
    and one of the payment modes the customer's credit rating allows for this total."""

    addresses: list[Any]
    shipping_methods: list[tuple[Any, Decimal]]
    payment_methods: list[tuple[str, str]]


def acceptance_options(quote: Quote, total: Decimal) -> AcceptanceOptions:
    from rapport.checkout.models import Address
    from rapport.checkout.services import CHECKOUT_METHODS
    from rapport.checkout.shipping import METHODS
    from rapport.credit.queries import payment_terms
    from rapport.payments.models import PaymentMethod

    allowed = [m for m in payment_terms(quote.customer).methods(total) if m in CHECKOUT_METHODS]
    return AcceptanceOptions(
        addresses=list(Address.objects.filter(customer=quote.customer).order_by("-id")),
        shipping_methods=[(m, m.cost_for(total)) for m in METHODS.values()],
        payment_methods=[(str(m), str(PaymentMethod(m).label)) for m in allowed],
    )


def with_versions(quotes: QuerySet[Quote]) -> QuerySet[Quote]:
    """Quotes with customer, owner, order and every version's lines loaded (four queries for
    any number of quotes): what the API and the offline sync hand out."""
    lines = QuoteLine.objects.select_related("product").order_by("position", "id")
    all_versions = (
        QuoteVersion.objects.select_related("author")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("number")
    )
    return quotes.select_related("customer", "owner", "order").prefetch_related(
        Prefetch("versions", queryset=all_versions)
    )
