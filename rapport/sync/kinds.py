"""What each kind of pushed operation does: fetch its objects through the domain's access
helpers as the pushing person, then call the domain's service (`services._run` calls these one
operation at a time, `batch` the common ones set-based). A stale version raises `Conflict`
carrying the server's current object; a refusal `Rejected` or the service's own error."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, fields
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from pydantic import BaseModel

from rapport.accounts.roles import is_employee
from rapport.catalog.models import Product
from rapport.chat.access import get_room_for_staff, get_room_for_visitor
from rapport.chat.queries import staff_users
from rapport.chat.services import ChatError, post_message
from rapport.checkout.services import CheckoutError, OutOfStock, PaymentError, PointsError
from rapport.customers.access import get_customer_for, get_customer_for_staff
from rapport.drafts.access import drafts_visible_to, get_draft_for
from rapport.drafts.services import (
    DraftConflict,
    DraftError,
    DraftLineInput,
    discard_draft,
    place_draft,
    save_draft,
)
from rapport.orders.access import get_order_for
from rapport.quotes.access import get_quote_for
from rapport.quotes.delivery import default_delivery
from rapport.quotes.lines import LineInput, QuoteError
from rapport.quotes.models import QuoteVersion
from rapport.quotes.services import (
    accept_quote,
    counter_quote,
    create_quote,
    decline_quote,
    send_quote,
)
from rapport.sync import payloads as p
from rapport.workspace.services import WorkspaceError, add_note

# The scope each kind needs besides `sync` (a browser session or device has every scope its
# person's role allows; a token only those it was given).
SCOPE_OF = {
    "note.create": "notes:write",
    "message.post": "messages:write",
    "draft_order.save": "orders:write",
    "draft_order.place": "orders:write",
    "draft_order.discard": "orders:write",
    "quote.create": "quotes:write",
    "quote.counter": "quotes:write",
    "quote.accept": "quotes:write",
    "quote.decline": "quotes:write",
}

# (object type as `pull` names it, public id) -> the object in pull's shape, or None.
Describe = Callable[[str, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class Operation:
    id: uuid.UUID
    kind: str
    payload: dict[str, Any]


@dataclass
class Result:
    id: str
    status: str
    replayed: bool = False
    object_id: str | None = None
    version: int | None = None
    detail: str | None = None
    current: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        # Not `dataclasses.asdict`: it deep-copies every value, and a push makes 500 of these
        # twice (the stored row, the response).
        return {f.name: getattr(self, f.name) for f in fields(self)}


class Conflict(Exception):
    def __init__(self, detail: str, current: dict[str, Any] | None) -> None:
        super().__init__(detail)
        self.current = current


class Rejected(Exception):
    """An operation refused before any service ran (its payload, its scope, an unknown id)."""


REFUSALS = (
    DraftError,
    QuoteError,
    WorkspaceError,
    ChatError,
    CheckoutError,
    OutOfStock,
    PaymentError,
    PointsError,
)


# --- the kinds -----------------------------------------------------------------------------


# What one push has looked up already (customers through the access helper, products): a
# batch of 500 operations usually names a few dozen, so each is read once per push.
SEEN: ContextVar[dict[Any, Any] | None] = ContextVar("sync_seen", default=None)


def lookup_products(ids: list[uuid.UUID]) -> dict[uuid.UUID, Product]:
    seen = SEEN.get()
    cache = seen if seen is not None else {}
    wanted = [i for i in ids if ("product", i) not in cache]
    if wanted:
        for x in Product.objects.filter(public_id__in=wanted):
            cache[("product", x.public_id)] = x
    found = {i: cache[("product", i)] for i in ids if ("product", i) in cache}
    missing = [i for i in ids if i not in found]
    if missing:
        raise Rejected(_("No product with id %(id)s.") % {"id": missing[0]})
    return found


def lookup_customer(actor: Any, customer_id: uuid.UUID, *, staff_only: bool = False) -> Any:
    seen = SEEN.get()
    key = ("customer", customer_id, staff_only)
    if seen is not None and key in seen:
        return seen[key]
    if staff_only or is_employee(actor):
        customer = get_customer_for_staff(actor, customer_id)
    else:
        customer = get_customer_for(actor, customer_id)
    if seen is not None:
        seen[key] = customer
    return customer


def note_create(actor: Any, payload: p.NoteCreate, describe: Describe) -> tuple[Any, Any]:
    if not is_employee(actor):
        raise Rejected(_("Notes are for staff."))
    order = get_order_for(actor, payload.order_id) if payload.order_id else None
    customer = (
        lookup_customer(actor, payload.customer_id, staff_only=True)
        if payload.customer_id
        else None
    )
    to_user = None
    if payload.to_user_id:
        to_user = staff_users().filter(public_id=payload.to_user_id).first()
        if to_user is None:
            raise Rejected(_("No colleague has this id."))
    try:
        with transaction.atomic():
            note = add_note(
                actor=actor,
                body=payload.body,
                customer=customer,
                order=order,
                to_user=to_user,
                public_id=payload.note_id,
            )
    except IntegrityError as exc:
        raise Rejected(_("A note with this id exists already.")) from exc
    return note.public_id, None


def message_post(actor: Any, payload: p.MessagePost, describe: Describe) -> tuple[Any, Any]:
    staff = is_employee(actor)
    if staff:
        room = get_room_for_staff(actor, payload.conversation_id)
    else:
        room = get_room_for_visitor(actor, None, payload.conversation_id)
    post_message(room=room, actor=actor, body=payload.body, from_staff=staff)
    return room.public_id, None


def _draft_conflict(exc: DraftConflict, actor: Any, draft_id: Any, describe: Describe) -> Conflict:
    visible = (
        exc.current is not None or drafts_visible_to(actor).filter(public_id=draft_id).exists()
    )
    if not visible:
        raise Rejected(_("This id is taken: generate a new one."))
    return Conflict(str(exc), describe("draft_order", draft_id))


def draft_save(actor: Any, payload: p.DraftSave, describe: Describe) -> tuple[Any, Any]:
    customer = lookup_customer(actor, payload.customer_id)
    if payload.base_version is not None:
        get_draft_for(actor, payload.draft_id)  # 404 for a draft that is not theirs
    products = lookup_products([x.product_id for x in payload.lines])
    lines = [DraftLineInput(products[x.product_id], x.quantity) for x in payload.lines]
    try:
        draft = save_draft(
            actor=actor,
            customer=customer,
            lines=lines,
            note=payload.note,
            base_version=payload.base_version,
            draft_id=payload.draft_id,
        )
    except DraftConflict as exc:
        raise _draft_conflict(exc, actor, payload.draft_id, describe) from exc
    return draft.public_id, draft.version


def draft_place(actor: Any, payload: p.DraftPlace, describe: Describe) -> tuple[Any, Any]:
    draft = get_draft_for(actor, payload.draft_id)
    address = None
    if payload.address_id:
        address = draft.customer.addresses.filter(public_id=payload.address_id).first()
        if address is None:
            raise Rejected(_("Choose one of the customer's delivery addresses."))
    try:
        order = place_draft(
            draft=draft,
            actor=actor,
            base_version=payload.base_version,
            address=address,
            shipping_method=payload.shipping_method,
            payment_method=payload.payment_method,
        )
    except DraftConflict as exc:
        raise _draft_conflict(exc, actor, payload.draft_id, describe) from exc
    return order.public_id, payload.base_version


def draft_discard(actor: Any, payload: p.DraftDiscard, describe: Describe) -> tuple[Any, Any]:
    draft = get_draft_for(actor, payload.draft_id)
    try:
        discarded = discard_draft(draft=draft, actor=actor, base_version=payload.base_version)
    except DraftConflict as exc:
        raise _draft_conflict(exc, actor, payload.draft_id, describe) from exc
    return discarded.public_id, discarded.version


def _quote_lines(lines: list[p.QuoteLine]) -> list[LineInput]:
    products = lookup_products([x.product_id for x in lines])
    return [LineInput(products[x.product_id], x.quantity, x.unit_price) for x in lines]


def quote_create(actor: Any, payload: p.QuoteCreate, describe: Describe) -> tuple[Any, Any]:
    customer = lookup_customer(actor, payload.customer_id, staff_only=True)
    quote = create_quote(
        customer=customer,
        actor=actor,
        lines=_quote_lines(payload.lines),
        valid_until=payload.valid_until,
        note=payload.note,
        public_id=payload.quote_id,
    )
    send_quote(quote=quote, actor=actor)
    return quote.public_id, 1


def _stale(quote: Any, answering: int, describe: Describe) -> Conflict:
    return Conflict(
        _("The quote moved on to version %(n)d meanwhile.") % {"n": quote.latest_number},
        describe("quote", quote.public_id),
    )


def quote_counter(actor: Any, payload: p.QuoteCounter, describe: Describe) -> tuple[Any, Any]:
    quote = get_quote_for(actor, payload.quote_id)
    if payload.answering != quote.latest_number:
        raise _stale(quote, payload.answering, describe)
    latest = QuoteVersion.objects.get(quote=quote, number=quote.latest_number)
    try:
        version = counter_quote(
            quote=quote,
            actor=actor,
            answering=payload.answering,
            lines=_quote_lines(payload.lines),
            valid_until=payload.valid_until or latest.valid_until,
            note=payload.note,
        )
    except QuoteError:
        fresh = get_quote_for(actor, payload.quote_id)
        if fresh.latest_number != payload.answering:  # countered concurrently
            raise _stale(fresh, payload.answering, describe) from None
        raise
    return quote.public_id, version.number


def quote_accept(actor: Any, payload: p.QuoteAccept, describe: Describe) -> tuple[Any, Any]:
    quote = get_quote_for(actor, payload.quote_id)
    if payload.answering != quote.latest_number:
        raise _stale(quote, payload.answering, describe)
    latest = QuoteVersion.objects.get(quote=quote, number=quote.latest_number)
    delivery = default_delivery(
        customer=quote.customer,
        total=latest.total,
        address_id=payload.address_id,
        shipping_method=payload.shipping_method,
        payment_method=payload.payment_method,
    )
    order = accept_quote(quote=quote, actor=actor, answering=payload.answering, delivery=delivery)
    return order.public_id, payload.answering


def quote_decline(actor: Any, payload: p.QuoteDecline, describe: Describe) -> tuple[Any, Any]:
    quote = get_quote_for(actor, payload.quote_id)
    declined = decline_quote(quote=quote, actor=actor, note=payload.note)
    return declined.public_id, declined.latest_number


Handler = tuple[type[BaseModel], Callable[[Any, Any, Describe], tuple[Any, Any]]]
HANDLERS: dict[str, Handler] = {
    "note.create": (p.NoteCreate, note_create),
    "message.post": (p.MessagePost, message_post),
    "draft_order.save": (p.DraftSave, draft_save),
    "draft_order.place": (p.DraftPlace, draft_place),
    "draft_order.discard": (p.DraftDiscard, draft_discard),
    "quote.create": (p.QuoteCreate, quote_create),
    "quote.counter": (p.QuoteCounter, quote_counter),
    "quote.accept": (p.QuoteAccept, quote_accept),
    "quote.decline": (p.QuoteDecline, quote_decline),
}
