"""Draft orders (scopes orders:read, orders:write): orders being prepared, by staff for any
customer or by a customer for themself, then placed through checkout. Each change names the
version it edits (`base_version`): a stale one is a 409 and nothing changes."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from rapport.api.auth import SIGNED_IN, Principal, need
from rapport.api.pagination import NO_NUL, LimitOffset
from rapport.api.routers.orders import OrderDetailOut
from rapport.catalog.models import Product
from rapport.checkout.services import CheckoutError, OutOfStock, PaymentError, PointsError
from rapport.customers.access import get_customer_for
from rapport.drafts.access import drafts_visible_to, get_draft_for
from rapport.drafts.models import DraftLine, DraftOrder, DraftStatus
from rapport.drafts.queries import LINES
from rapport.drafts.services import (
    MAX_LINES,
    DraftConflict,
    DraftError,
    DraftLineInput,
    discard_draft,
    place_draft,
    save_draft,
)

router = Router(tags=["draft orders"], auth=SIGNED_IN)


class DraftLineOut(Schema):
    product_id: UUID
    sku: str
    name: str
    quantity: int

    @staticmethod
    def resolve_product_id(obj: DraftLine) -> UUID:
        return obj.product.public_id

    @staticmethod
    def resolve_sku(obj: DraftLine) -> str:
        return obj.product.sku

    @staticmethod
    def resolve_name(obj: DraftLine) -> str:
        return obj.product.name


class DraftOut(Schema):
    id: UUID
    customer: UUID
    status: str
    version: int = Field(description="Raised by every change; send it back as base_version")
    note: str
    created_by: str | None
    order: UUID | None = Field(description="The order a placed draft became")
    created_at: datetime
    updated_at: datetime
    lines: list[DraftLineOut]

    @staticmethod
    def resolve_id(obj: DraftOrder) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_customer(obj: DraftOrder) -> UUID:
        return obj.customer.public_id

    @staticmethod
    def resolve_created_by(obj: DraftOrder) -> str | None:
        return str(obj.created_by) if obj.created_by is not None else None

    @staticmethod
    def resolve_order(obj: DraftOrder) -> UUID | None:
        return obj.order.public_id if obj.order is not None else None

    @staticmethod
    def resolve_lines(obj: DraftOrder) -> list[DraftLine]:
        return list(obj.lines.all())


class DraftFilter(Schema):
    status: DraftStatus | None = None
    customer: UUID | None = Field(None, description="Staff: one customer's drafts")


class LineIn(Schema):
    product: UUID
    quantity: int = Field(..., ge=1, le=9999)


class DraftIn(Schema):
    id: UUID | None = Field(None, description="The client's id for the new draft (optional)")
    customer: UUID
    lines: list[LineIn] = Field(default_factory=list, max_length=MAX_LINES)
    note: str = Field("", max_length=2000, pattern=NO_NUL)


class DraftUpdateIn(Schema):
    base_version: int = Field(..., ge=1)
    lines: list[LineIn] = Field(default_factory=list, max_length=MAX_LINES)
    note: str = Field("", max_length=2000, pattern=NO_NUL)


class PlaceIn(Schema):
    base_version: int = Field(..., ge=1)
    address: UUID | None = Field(None, description="Default: the customer's newest address")
    shipping_method: str = Field("standard", max_length=32, pattern=NO_NUL)
    payment_method: str = Field(
        "", max_length=32, pattern=NO_NUL, description="Default: credit terms or cash on delivery"
    )


class DiscardIn(Schema):
    base_version: int = Field(..., ge=1)


def detail(draft: DraftOrder) -> DraftOrder:
    return (
        DraftOrder.objects.select_related("customer", "created_by", "order")
        .prefetch_related(LINES)
        .get(pk=draft.pk)
    )


def lines_from(lines: list[LineIn]) -> list[DraftLineInput]:
    wanted = [x.product for x in lines]
    products = {p.public_id: p for p in Product.objects.filter(public_id__in=wanted)}
    missing = [x for x in wanted if x not in products]
    if missing:
        raise HttpError(422, f"No product with id {missing[0]}.")
    return [DraftLineInput(products[x.product], x.quantity) for x in lines]


def customer_for(principal: Principal, customer_id: UUID) -> Any:
    # Staff may serve any customer; a customer only their own record (404 for another's).
    return get_customer_for(principal.user, customer_id)


@router.get("", response=list[DraftOut], url_name="draft_orders")
@paginate(LimitOffset)
def list_drafts(request: HttpRequest, filters: Query[DraftFilter]) -> Any:
    """The drafts the caller may see, latest change first. Scope orders:read."""
    principal = need(request, "orders:read")
    drafts = (
        drafts_visible_to(principal.user)
        .select_related("customer", "created_by", "order")
        .prefetch_related(LINES)
    )
    if filters.status:
        drafts = drafts.filter(status=filters.status)
    if filters.customer:
        drafts = drafts.filter(customer__public_id=filters.customer)
    return drafts.order_by("-updated_at", "-id")


@router.post("", response={201: DraftOut}, url_name="draft_orders_add")
def create(request: HttpRequest, payload: DraftIn) -> Any:
    """Start a draft order (staff for any customer, a customer for themself); 409 when the
    given id is taken. Scope orders:write. Audited, on the customer's timeline."""
    principal = need(request, "orders:write")
    customer = customer_for(principal, payload.customer)
    try:
        draft = save_draft(
            actor=principal.user,
            customer=customer,
            lines=lines_from(payload.lines),
            note=payload.note,
            draft_id=payload.id,
        )
    except DraftConflict as exc:
        raise HttpError(409, str(exc)) from exc
    except DraftError as exc:
        raise HttpError(422, str(exc)) from exc
    return Status(201, detail(draft))


@router.get("/{draft_id}", response=DraftOut, url_name="draft_order")
def get_draft(request: HttpRequest, draft_id: UUID) -> Any:
    """One draft with its lines. Scope orders:read."""
    principal = need(request, "orders:read")
    return detail(get_draft_for(principal.user, draft_id))


@router.put("/{draft_id}", response=DraftOut, url_name="draft_order_update")
def update(request: HttpRequest, draft_id: UUID, payload: DraftUpdateIn) -> Any:
    """Replace the lines and note of an open draft at `base_version`; 409 when it changed
    meanwhile or was closed. Scope orders:write."""
    principal = need(request, "orders:write")
    draft = get_draft_for(principal.user, draft_id)
    try:
        saved = save_draft(
            actor=principal.user,
            customer=draft.customer,
            lines=lines_from(payload.lines),
            note=payload.note,
            base_version=payload.base_version,
            draft_id=draft.public_id,
        )
    except DraftConflict as exc:
        raise HttpError(409, str(exc)) from exc
    except DraftError as exc:
        raise HttpError(422, str(exc)) from exc
    return detail(saved)


@router.post("/{draft_id}/place", response={201: OrderDetailOut}, url_name="draft_order_place")
def place(request: HttpRequest, draft_id: UUID, payload: PlaceIn) -> Any:
    """Place the draft at `base_version` as exactly one order (a repeat returns the same
    order): stock, the customer's prices, a payment mode their credit rating allows. 409 for a
    stale version, a closed draft, no stock or a refused payment. Scope orders:write."""
    principal = need(request, "orders:write")
    draft = get_draft_for(principal.user, draft_id)
    address = None
    if payload.address:
        address = draft.customer.addresses.filter(public_id=payload.address).first()
        if address is None:
            raise HttpError(422, "Choose one of the customer's delivery addresses.")
    try:
        order = place_draft(
            draft=draft,
            actor=principal.user,
            base_version=payload.base_version,
            address=address,
            shipping_method=payload.shipping_method,
            payment_method=payload.payment_method,
        )
    except (DraftConflict, CheckoutError, OutOfStock, PaymentError, PointsError) as exc:
        raise HttpError(409, str(exc)) from exc
    except DraftError as exc:
        raise HttpError(422, str(exc)) from exc
    return Status(201, order)


@router.post("/{draft_id}/discard", response=DraftOut, url_name="draft_order_discard")
def discard(request: HttpRequest, draft_id: UUID, payload: DiscardIn) -> Any:
    """Throw an open draft away. 409 for a stale version or a placed draft. Scope
    orders:write."""
    principal = need(request, "orders:write")
    draft = get_draft_for(principal.user, draft_id)
    try:
        discard_draft(draft=draft, actor=principal.user, base_version=payload.base_version)
    except DraftError as exc:
        raise HttpError(409, str(exc)) from exc
    return detail(draft)
