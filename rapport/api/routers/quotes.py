"""Quotes — offers and counter-offers (scopes quotes:read, quotes:write). Staff see the quotes
they own (a manager every quote), a customer their own once sent. Every write goes through
`rapport.quotes.services`, as in the portal and the store."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from rapport.api.auth import SIGNED_IN, need
from rapport.api.pagination import NO_NUL, LimitOffset
from rapport.catalog.models import Product
from rapport.checkout.services import CheckoutError, OutOfStock, PaymentError
from rapport.customers.access import get_customer_for_staff
from rapport.quotes.access import get_quote_for, quotes_visible_to
from rapport.quotes.delivery import default_delivery
from rapport.quotes.lines import MAX_LINES, LineInput, QuoteError, check_lines
from rapport.quotes.models import Quote, QuoteLine, QuoteStatus, QuoteVersion
from rapport.quotes.queries import with_versions
from rapport.quotes.services import (
    accept_quote,
    counter_quote,
    create_quote,
    decline_quote,
    send_quote,
    withdraw_quote,
)

router = Router(tags=["quotes"], auth=SIGNED_IN)


def money(value: Any) -> str:
    return f"{value:.2f}"


class QuoteLineOut(Schema):
    product_id: UUID
    sku: str
    name: str
    quantity: int
    unit_price: str

    @staticmethod
    def resolve_product_id(obj: QuoteLine) -> UUID:
        return obj.product.public_id

    @staticmethod
    def resolve_unit_price(obj: QuoteLine) -> str:
        return money(obj.unit_price)


class QuoteVersionOut(Schema):
    number: int
    side: str = Field(description='"staff" or "customer": who made this version')
    author: str | None
    note: str
    valid_until: date
    total: str
    sent_at: datetime | None
    lines: list[QuoteLineOut]

    @staticmethod
    def resolve_author(obj: QuoteVersion) -> str | None:
        return str(obj.author) if obj.author is not None else None

    @staticmethod
    def resolve_total(obj: QuoteVersion) -> str:
        return money(obj.total)

    @staticmethod
    def resolve_lines(obj: QuoteVersion) -> list[QuoteLine]:
        return list(obj.lines.all())


class QuoteOut(Schema):
    id: UUID
    number: str
    status: str
    customer: UUID
    owner: str
    latest_version: int
    order: UUID | None = Field(description="The order an accepted quote became")
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_id(obj: Quote) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_customer(obj: Quote) -> UUID:
        return obj.customer.public_id

    @staticmethod
    def resolve_owner(obj: Quote) -> str:
        return str(obj.owner)

    @staticmethod
    def resolve_latest_version(obj: Quote) -> int:
        return obj.latest_number

    @staticmethod
    def resolve_order(obj: Quote) -> UUID | None:
        return obj.order.public_id if obj.order is not None else None


class QuoteDetailOut(QuoteOut):
    versions: list[QuoteVersionOut] = Field(description="Every version, oldest first")

    @staticmethod
    def resolve_versions(obj: Quote) -> list[QuoteVersion]:
        return list(obj.versions.all())


class QuoteFilter(Schema):
    status: QuoteStatus | None = None
    customer: UUID | None = Field(None, description="Staff: one customer's quotes")


class LineIn(Schema):
    product: UUID
    quantity: int = Field(..., ge=1, le=9999)
    unit_price: Decimal = Field(
        ..., ge=0, le=Decimal("99999999.99"), max_digits=10, decimal_places=2
    )


class QuoteIn(Schema):
    customer: UUID
    lines: list[LineIn] = Field(..., min_length=1, max_length=MAX_LINES)
    valid_until: date
    note: str = Field("", max_length=2000, pattern=NO_NUL)
    send: bool = Field(True, description="Send it at once (false: keep it a draft)")


class CounterIn(Schema):
    answering: int = Field(..., ge=1, description="The version number answered")
    lines: list[LineIn] = Field(..., min_length=1, max_length=MAX_LINES)
    note: str = Field("", max_length=2000, pattern=NO_NUL)
    valid_until: date | None = Field(None, description="Default: the answered version's date")


class AcceptIn(Schema):
    answering: int = Field(..., ge=1)
    address: UUID | None = Field(None, description="Default: the customer's newest address")
    shipping_method: str = Field("standard", max_length=32, pattern=NO_NUL)
    payment_method: str = Field(
        "", max_length=32, pattern=NO_NUL, description="Default: credit terms or cash on delivery"
    )


class DeclineIn(Schema):
    note: str = Field("", max_length=2000, pattern=NO_NUL)


def detail(quote: Quote) -> Quote:
    return with_versions(Quote.objects.filter(pk=quote.pk)).get()


def lines_from(lines: list[LineIn]) -> list[LineInput]:
    products = {
        p.public_id: p for p in Product.objects.filter(public_id__in=[x.product for x in lines])
    }
    missing = [x.product for x in lines if x.product not in products]
    if missing:
        raise HttpError(422, f"No product with id {missing[0]}.")
    try:
        return check_lines(
            [LineInput(products[x.product], x.quantity, x.unit_price) for x in lines]
        )
    except QuoteError as exc:
        raise HttpError(422, str(exc)) from exc


def refused(exc: Exception) -> HttpError:
    return HttpError(409, str(exc))


@router.get("", response=list[QuoteOut], url_name="quotes")
@paginate(LimitOffset)
def list_quotes(request: HttpRequest, filters: Query[QuoteFilter]) -> Any:
    """The quotes the caller may see, latest activity first. Scope quotes:read."""
    principal = need(request, "quotes:read")
    quotes = quotes_visible_to(principal.user).select_related("customer", "owner", "order")
    if filters.status:
        quotes = quotes.filter(status=filters.status)
    if filters.customer:
        quotes = quotes.filter(customer__public_id=filters.customer)
    return quotes.order_by("-updated_at", "-id")


@router.post("", response={201: QuoteDetailOut}, url_name="quotes_add")
def create(request: HttpRequest, payload: QuoteIn) -> Any:
    """Start a quote for a customer and (unless `send` is false) send it. Staff; scope
    quotes:write. Audited, on the customer's timeline; the customer is mailed."""
    principal = need(request, "quotes:write", staff=True)
    customer = get_customer_for_staff(principal.user, payload.customer)
    lines = lines_from(payload.lines)
    try:
        quote = create_quote(
            customer=customer,
            actor=principal.user,
            lines=lines,
            valid_until=payload.valid_until,
            note=payload.note,
        )
        if payload.send:
            quote = send_quote(quote=quote, actor=principal.user)
    except QuoteError as exc:
        raise HttpError(422, str(exc)) from exc
    return Status(201, detail(quote))


@router.get("/{quote_id}", response=QuoteDetailOut, url_name="quote")
def get_quote(request: HttpRequest, quote_id: UUID) -> Any:
    """One quote with all its versions. Scope quotes:read."""
    principal = need(request, "quotes:read")
    return detail(get_quote_for(principal.user, quote_id))


@router.post("/{quote_id}/counter", response=QuoteDetailOut, url_name="quote_counter")
def counter(request: HttpRequest, quote_id: UUID, payload: CounterIn) -> Any:
    """Answer the latest version with a counter-offer; 409 when `answering` is not the latest
    version (the other side moved on) or the quote is closed. Scope quotes:write."""
    principal = need(request, "quotes:write")
    quote = get_quote_for(principal.user, quote_id)
    lines = lines_from(payload.lines)
    if payload.answering != quote.latest_number:
        raise HttpError(409, f"The quote moved on to version {quote.latest_number} meanwhile.")
    valid_until = payload.valid_until or (
        QuoteVersion.objects.get(quote=quote, number=quote.latest_number).valid_until
    )
    try:
        counter_quote(
            quote=quote,
            actor=principal.user,
            answering=payload.answering,
            lines=lines,
            valid_until=valid_until,
            note=payload.note,
        )
    except QuoteError as exc:
        raise refused(exc) from exc
    return detail(quote)


@router.post("/{quote_id}/accept", response=QuoteDetailOut, url_name="quote_accept")
def accept(request: HttpRequest, quote_id: UUID, payload: AcceptIn) -> Any:
    """Accept the latest version: exactly one order, placed through checkout (stock, payment
    mode allowed by the customer's credit rating); a repeat returns the same. 409 for an old
    version, one's own version, a closed quote, no stock or a refused payment. Scope
    quotes:write."""
    principal = need(request, "quotes:write")
    quote = get_quote_for(principal.user, quote_id)
    if payload.answering != quote.latest_number:
        raise HttpError(409, f"The quote moved on to version {quote.latest_number} meanwhile.")
    total = QuoteVersion.objects.get(quote=quote, number=quote.latest_number).total
    try:
        delivery = default_delivery(
            customer=quote.customer,
            total=total,
            address_id=payload.address,
            shipping_method=payload.shipping_method,
            payment_method=payload.payment_method,
        )
        accept_quote(
            quote=quote, actor=principal.user, answering=payload.answering, delivery=delivery
        )
    except (QuoteError, CheckoutError, OutOfStock, PaymentError) as exc:
        raise refused(exc) from exc
    return detail(quote)


@router.post("/{quote_id}/decline", response=QuoteDetailOut, url_name="quote_decline")
def decline(request: HttpRequest, quote_id: UUID, payload: DeclineIn) -> Any:
    """The customer turns the quote down (staff withdraw instead: 409). Scope quotes:write."""
    principal = need(request, "quotes:write")
    quote = get_quote_for(principal.user, quote_id)
    try:
        decline_quote(quote=quote, actor=principal.user, note=payload.note)
    except QuoteError as exc:
        raise refused(exc) from exc
    return detail(quote)


@router.post("/{quote_id}/send", response=QuoteDetailOut, url_name="quote_send")
def send(request: HttpRequest, quote_id: UUID) -> Any:
    """Send a draft quote to the customer. Staff (its owner or a manager); scope quotes:write."""
    principal = need(request, "quotes:write", staff=True)
    quote = get_quote_for(principal.user, quote_id)
    try:
        send_quote(quote=quote, actor=principal.user)
    except QuoteError as exc:
        raise refused(exc) from exc
    return detail(quote)


@router.post("/{quote_id}/withdraw", response=QuoteDetailOut, url_name="quote_withdraw")
def withdraw(request: HttpRequest, quote_id: UUID) -> Any:
    """The shop takes its quote back. Staff (its owner or a manager); scope quotes:write."""
    principal = need(request, "quotes:write", staff=True)
    quote = get_quote_for(principal.user, quote_id)
    try:
        withdraw_quote(quote=quote, actor=principal.user)
    except QuoteError as exc:
        raise refused(exc) from exc
    return detail(quote)
