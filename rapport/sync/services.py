"""Applying the operations an offline client pushes, each exactly once.

`push` takes a batch of operations (client-generated ids, a kind, a payload) and applies each,
all or nothing, together with its `AppliedOperation` row: operations that move stock or money
(placing a draft, accepting a quote) in a transaction of their own, the others each in a
savepoint of a transaction shared by up to `GROUP_SIZE` of them (one disk flush per group instead
of one per operation). The row's `op_id` is unique, so: an id seen before returns the stored
result (`replayed`) and changes nothing; two concurrent pushes of the same id both run, but the
second one's insert waits for the first to commit and then fails, rolling the second effect
back, and it answers with the first one's result.

Each kind dispatches to the domain's own service (notes, chat, quotes, drafts) after fetching
its objects through the domain's access helper as the pushing person, so an operation can do
no more than the same person in the portal or the store. A stale version is a `conflict`
carrying the server's current object; a refusal is `rejected` with the service's reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, OperationalError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from pydantic import BaseModel
from pydantic import ValidationError as PayloadError

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
from rapport.sync.models import AppliedOperation, OperationStatus
from rapport.workspace.services import WorkspaceError, add_note

MAX_BATCH = 500
# Kinds that move stock or money run in a transaction of their own, so the rows they lock are
# released at once; the others are committed in groups of up to GROUP_SIZE (`_grouped`).
OWN_TRANSACTION = frozenset({"draft_order.place", "quote.accept"})
GROUP_SIZE = 100

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
        return asdict(self)


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


def push(
    *, actor: Any, scopes: frozenset[str], operations: list[Operation], describe: Describe
) -> list[Result]:
    """Apply `operations` in order, each exactly once (see the module's docstring); one result
    per operation. One query finds the ids already applied, so a retried batch is cheap."""
    token = _seen.set({})
    try:
        return _push(actor, scopes, operations, describe)
    finally:
        _seen.reset(token)


def _push(
    actor: Any, scopes: frozenset[str], operations: list[Operation], describe: Describe
) -> list[Result]:
    ids = [op.id for op in operations]
    stored = {row.op_id: row for row in AppliedOperation.objects.filter(op_id__in=ids)}
    results: list[Result] = []
    start = 0
    while start < len(operations):
        if operations[start].kind in OWN_TRANSACTION:
            group = operations[start : start + 1]
            results += [_one(actor, scopes, op, describe, stored) for op in group]
        else:
            end = start
            while (
                end < len(operations)
                and end - start < GROUP_SIZE
                and operations[end].kind not in OWN_TRANSACTION
            ):
                end += 1
            group = operations[start:end]
            results += _grouped(actor, scopes, group, describe, stored)
        start += len(group)
    return results


def _one(
    actor: Any,
    scopes: frozenset[str],
    op: Operation,
    describe: Describe,
    stored: dict[uuid.UUID, AppliedOperation],
) -> Result:
    row = stored.get(op.id)
    if row is not None:
        return _replay(actor, op, row)
    result, row = _apply(actor, scopes, op, describe)
    if row is not None:
        stored[op.id] = row
    return result


def _grouped(
    actor: Any,
    scopes: frozenset[str],
    group: list[Operation],
    describe: Describe,
    stored: dict[uuid.UUID, AppliedOperation],
) -> list[Result]:
    """Light operations share one commit (each in its own savepoint with its row, so each is
    still all or nothing and exactly once): a commit waits for the disk, a savepoint does not.
    Should the shared transaction fail (a deadlock with another sync), nothing of it stays and
    the group is applied again one transaction per operation."""
    before = dict(stored)
    try:
        with transaction.atomic():
            return [_one(actor, scopes, op, describe, stored) for op in group]
    except OperationalError:
        stored.clear()
        stored.update(before)
        return [_one(actor, scopes, op, describe, stored) for op in group]


def _replay(actor: Any, op: Operation, row: AppliedOperation) -> Result:
    if row.person_id != actor.pk:
        return Result(
            id=str(op.id),
            status=OperationStatus.REJECTED,
            detail=_("This operation id was used by someone else: generate a new one."),
        )
    return Result(**{**row.result, "replayed": True})


class Refused(Exception):
    """Unwinds an operation's transaction (so nothing it wrote stays) carrying its result."""

    def __init__(self, result: Result) -> None:
        super().__init__(result.detail)
        self.result = result


def _apply(
    actor: Any, scopes: frozenset[str], op: Operation, describe: Describe
) -> tuple[Result, AppliedOperation | None]:
    """The operation's effect and its row in one transaction. A conflict or refusal rolls the
    whole transaction back and then records the result alone in a new one (the rare path: the
    common one costs no savepoint of its own)."""
    try:
        with transaction.atomic():
            result = _run(actor, scopes, op, describe)
            return result, _store(actor, op, result)
    except Refused as refused:
        result = refused.result
    except IntegrityError as exc:
        return _after_race(actor, op, exc)
    try:
        with transaction.atomic():
            return result, _store(actor, op, result)
    except IntegrityError as exc:
        return _after_race(actor, op, exc)


def _store(actor: Any, op: Operation, result: Result) -> AppliedOperation:
    return AppliedOperation.objects.create(
        person=actor,
        op_id=op.id,
        kind=op.kind[:40],
        status=result.status,
        result=result.as_dict(),
    )


def _after_race(
    actor: Any, op: Operation, error: IntegrityError
) -> tuple[Result, AppliedOperation]:
    # A concurrent push of the same id committed first: this one's effect was rolled back.
    winner = AppliedOperation.objects.filter(op_id=op.id).first()
    if winner is None:
        raise error
    return _replay(actor, op, winner), winner


def _run(actor: Any, scopes: frozenset[str], op: Operation, describe: Describe) -> Result:
    """The operation's effect; a refusal or conflict raises `Refused` (its result)."""
    handler = HANDLERS.get(op.kind)
    try:
        if handler is None:
            raise Rejected(_("Unknown operation kind “%(kind)s”.") % {"kind": op.kind[:40]})
        scope = SCOPE_OF[op.kind]
        if scope not in scopes:
            raise Rejected(_("This needs the %(scope)s scope.") % {"scope": scope})
        schema, apply = handler
        try:
            payload = schema.model_validate(op.payload)
        except PayloadError as exc:
            raise Rejected(_payload_problem(exc)) from exc
        object_id, version = apply(actor, payload, describe)
        return Result(
            id=str(op.id),
            status=OperationStatus.APPLIED,
            object_id=str(object_id) if object_id else None,
            version=version,
        )
    except Conflict as exc:
        result = Result(
            id=str(op.id), status=OperationStatus.CONFLICT, detail=str(exc), current=exc.current
        )
    except (Http404, PermissionDenied):
        detail = _("There is nothing with this id, or it is not yours.")
        result = Result(id=str(op.id), status=OperationStatus.REJECTED, detail=detail)
    except (Rejected, *REFUSALS) as exc:
        result = Result(id=str(op.id), status=OperationStatus.REJECTED, detail=str(exc))
    raise Refused(result)


def _payload_problem(exc: PayloadError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(x) for x in first.get("loc", ())) or "payload"
    return _("The payload is invalid at %(field)s: %(reason)s") % {
        "field": where,
        "reason": first.get("msg", ""),
    }


# --- the kinds -----------------------------------------------------------------------------


# What one push has looked up already (customers through the access helper, products): a
# batch of 500 operations usually names a few dozen, so each is read once per push.
_seen: ContextVar[dict[Any, Any] | None] = ContextVar("sync_seen", default=None)


def _products(ids: list[uuid.UUID]) -> dict[uuid.UUID, Product]:
    seen = _seen.get()
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


def _customer(actor: Any, customer_id: uuid.UUID, *, staff_only: bool = False) -> Any:
    seen = _seen.get()
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
        _customer(actor, payload.customer_id, staff_only=True) if payload.customer_id else None
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
    customer = _customer(actor, payload.customer_id)
    if payload.base_version is not None:
        get_draft_for(actor, payload.draft_id)  # 404 for a draft that is not theirs
    products = _products([x.product_id for x in payload.lines])
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
    products = _products([x.product_id for x in lines])
    return [LineInput(products[x.product_id], x.quantity, x.unit_price) for x in lines]


def quote_create(actor: Any, payload: p.QuoteCreate, describe: Describe) -> tuple[Any, Any]:
    customer = _customer(actor, payload.customer_id, staff_only=True)
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
