"""Writes of draft orders: save (create or replace), place, discard.

Every function runs in one transaction that locks the draft row first, checks the version the
caller last saw (`base_version`) against the stored one — a stale copy raises `DraftConflict`
carrying the current draft rather than overwriting it — raises the version, writes one audit
entry on the customer's timeline, and leaves side effects to after commit. Placing goes through
checkout's `place_draft_order` (stock, prices, payment mode by credit rating, idempotency), so a
draft turns into exactly one order however often or concurrently it is placed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.roles import is_employee
from rapport.catalog.models import Product
from rapport.checkout.models import Address
from rapport.checkout.services import place_draft_order
from rapport.core import audit
from rapport.credit.queries import payment_terms
from rapport.customers.models import Customer
from rapport.drafts.models import DraftLine, DraftOrder, DraftStatus
from rapport.orders.models import Order
from rapport.payments.models import PaymentMethod

MAX_LINES = 100
MAX_QUANTITY = 9999
MAX_NOTE_LENGTH = 2000
# Modes a draft can be placed with when nobody chooses one: neither needs a card at hand.
# Credit terms first (the strategic partners drafts are made for usually have them).
UNATTENDED_METHODS = (PaymentMethod.CREDIT_TERMS, PaymentMethod.CASH_ON_DELIVERY)


class DraftError(Exception):
    """A draft change that cannot be made; the message is safe to show. Nothing was written."""


class DraftConflict(DraftError):
    """The draft changed since the version the caller saw (or an id is already taken)."""

    def __init__(self, message: str, current: DraftOrder | None) -> None:
        super().__init__(message)
        self.current = current


@dataclass(frozen=True)
class DraftLineInput:
    product: Product
    quantity: int


def _check_lines(lines: Iterable[DraftLineInput]) -> list[DraftLineInput]:
    checked = list(lines)
    if len(checked) > MAX_LINES:
        raise DraftError(_("A draft can have at most %(n)d lines.") % {"n": MAX_LINES})
    seen: set[int] = set()
    for line in checked:
        if line.product.pk in seen:
            raise DraftError(
                _("“%(name)s” is listed twice: use one line.") % {"name": line.product.name}
            )
        seen.add(line.product.pk)
        if not line.product.is_active or not line.product.price:
            raise DraftError(_("“%(name)s” is not on sale.") % {"name": line.product.name})
        if not 1 <= int(line.quantity) <= MAX_QUANTITY:
            raise DraftError(_("The quantity must be between 1 and %(n)d.") % {"n": MAX_QUANTITY})
    return checked


def _check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise DraftError(_("A note can be at most %(n)d characters.") % {"n": MAX_NOTE_LENGTH})
    return note


def _check_actor(actor: Any, customer: Customer) -> None:
    """Staff may prepare a draft for any customer, a customer for their own record only."""
    if is_employee(actor):
        return
    if getattr(actor, "is_authenticated", False) and customer.user_id == actor.pk:
        return
    raise DraftError(_("You may not prepare orders for this customer."))


def _lock(public_id: Any) -> DraftOrder | None:
    return (
        DraftOrder.objects.select_for_update()
        .select_related("customer")
        .filter(public_id=public_id)
        .first()
    )


def _check_version(draft: DraftOrder, base_version: int | None) -> None:
    if base_version != draft.version:
        raise DraftConflict(
            _("This draft was changed meanwhile (now version %(n)d).") % {"n": draft.version},
            draft,
        )


def _check_open(draft: DraftOrder) -> None:
    if not draft.is_open:
        raise DraftConflict(
            _("This draft is closed (%(status)s).") % {"status": draft.get_status_display()},
            draft,
        )


def _record(draft: DraftOrder, action: str, actor: Any, summary: str, **data: Any) -> None:
    audit.record(
        action=f"draft_order.{action}",
        actor=actor,
        target=draft,
        customer=draft.customer,
        summary=f"Draft order {str(draft.public_id)[:8]}: {summary}",
        data={"draft": str(draft.public_id), "version": draft.version, **data},
    )


def save_draft(
    *,
    actor: Any,
    customer: Customer,
    lines: Iterable[DraftLineInput],
    note: str = "",
    base_version: int | None = None,
    draft_id: uuid.UUID | None = None,
) -> DraftOrder:
    """Create a draft (`base_version` None; `draft_id` is the client's id for it, or a new one)
    or replace the lines and note of an open draft whose version is `base_version`.

    Raises DraftConflict (with the current draft) for a stale `base_version`, a closed draft or
    an id already taken; DraftError for bad lines, a closed customer record or an actor who may
    not serve this customer. Nothing is written then. (A `DraftBatch` of one save.)
    """
    with transaction.atomic():
        batch = DraftBatch(actor)
        draft = batch.save(
            customer=customer,
            lines=lines,
            note=note,
            base_version=base_version,
            draft_id=draft_id,
        )
        batch.write()
        return draft


class DraftBatch:
    """Several `save_draft`s by one actor, applied in order and written together.

    `save` checks exactly what `save_draft` promises, against the stored drafts (locked for the
    rest of the transaction) and the batch's own earlier saves — a draft created by one save
    can be edited by the next — and raises as `save_draft` does, leaving the batch as it was.
    `write` then stores every draft, line and audit entry with a handful of statements (the
    offline sync applies hundreds of saves per push this way). Use inside `transaction.atomic`;
    `write` raises DraftConflict when another transaction took a new draft's id meanwhile
    (nothing of the batch is written then).
    """

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self._drafts: dict[uuid.UUID, DraftOrder | None] = {}  # public id -> locked or new
        self._new: dict[uuid.UUID, DraftOrder] = {}
        self._touched: dict[uuid.UUID, DraftOrder] = {}  # stored drafts edited
        self._lines: dict[uuid.UUID, list[DraftLineInput]] = {}
        self._audit: list[tuple[DraftOrder, str, str, dict[str, Any], Any]] = []

    def lock(self, public_ids: Iterable[Any]) -> None:
        """Lock the stored drafts among `public_ids` in one query, in a fixed order (`save`
        would otherwise lock each as it comes)."""
        wanted = {uuid.UUID(str(x)) for x in public_ids} - self._drafts.keys()
        if not wanted:
            return
        found = {
            d.public_id: d
            for d in DraftOrder.objects.select_for_update()
            .select_related("customer")
            .filter(public_id__in=wanted)
            .order_by("pk")
        }
        for public_id in wanted:
            self._drafts[public_id] = found.get(public_id)

    def _get(self, public_id: uuid.UUID) -> DraftOrder | None:
        if public_id not in self._drafts:
            self._drafts[public_id] = _lock(public_id)
        return self._drafts[public_id]

    def save(
        self,
        *,
        customer: Customer,
        lines: Iterable[DraftLineInput],
        note: str = "",
        base_version: int | None = None,
        draft_id: uuid.UUID | None = None,
    ) -> DraftOrder:
        """`save_draft`, kept for `write`: the draft as it will be (a new one has no pk yet)."""
        actor = self.actor
        _check_actor(actor, customer)
        if customer.erased_at is not None or customer.merged_into_id is not None:
            raise DraftError(_("This customer record is closed."))
        checked = _check_lines(lines)
        note = _check_note(note)
        if base_version is None:
            public_id = uuid.UUID(str(draft_id)) if draft_id else uuid.uuid4()
            if self._get(public_id) is not None:
                raise DraftConflict(_("A draft with this id exists already."), None)
            draft = DraftOrder(public_id=public_id, customer=customer, created_by=actor, note=note)
            self._drafts[public_id] = self._new[public_id] = draft
            self._lines[public_id] = checked
            data = {"version": 1, "lines": len(checked)}
            self._audit.append((draft, "created", "created", data, timezone.now()))
            return draft
        locked = self._get(uuid.UUID(str(draft_id))) if draft_id else None
        if locked is None:
            raise DraftError(_("There is no such draft order."))
        _check_actor(actor, locked.customer)
        _check_version(locked, base_version)
        _check_open(locked)
        if locked.customer_id != customer.pk:
            raise DraftError(_("A draft stays with the customer it was made for."))
        locked.note = note
        locked.version += 1
        if locked.public_id not in self._new:
            self._touched[locked.public_id] = locked
        self._lines[locked.public_id] = checked
        data = {"version": locked.version, "lines": len(checked)}
        self._audit.append((locked, "saved", "edited", data, timezone.now()))
        return locked

    def write(self) -> None:
        """Store what the saves decided: new drafts, edited ones, their lines, one audit entry
        per save (in order, on the customer's timeline)."""
        if self._new:
            try:
                with transaction.atomic():
                    DraftOrder.objects.bulk_create(self._new.values())
            except IntegrityError:
                raise DraftConflict(_("A draft with this id exists already."), None) from None
        if self._touched:
            now = timezone.now()
            for draft in self._touched.values():
                draft.updated_at = now
            DraftLine.objects.filter(draft__in=[d.pk for d in self._touched.values()]).delete()
            DraftOrder.objects.bulk_update(
                self._touched.values(), ["note", "version", "updated_at"]
            )
        DraftLine.objects.bulk_create(
            DraftLine(
                draft=self._drafts[public_id], product=x.product, quantity=x.quantity, position=i
            )
            for public_id, lines in self._lines.items()
            for i, x in enumerate(lines)
        )
        audit.record_many(
            [
                {
                    "action": f"draft_order.{action}",
                    "actor": self.actor,
                    "target": draft,
                    "customer": draft.customer,
                    "summary": f"Draft order {str(draft.public_id)[:8]}: {summary}",
                    "data": {"draft": str(draft.public_id), **data},
                    "at": at,  # when it was saved: a batch's entries keep their order
                }
                for draft, action, summary, data, at in self._audit
            ]
        )
        self._new, self._touched, self._lines, self._audit = {}, {}, {}, []


def _payment_method_for(customer: Customer, items: list[tuple[Product, int]]) -> str:
    """The first mode needing no card that the customer's credit rating allows for about this
    amount (checkout checks it again exactly, with shipping and discounts)."""
    estimate = sum(((p.price or Decimal(0)) * q for p, q in items), Decimal("0.00"))
    allowed = payment_terms(customer).methods(estimate)
    for method in UNATTENDED_METHODS:
        if method in allowed:
            return str(method)
    raise DraftError(
        _("This customer's credit rating allows only prepaid modes: they pay in the store.")
    )


def place_draft(
    *,
    draft: DraftOrder,
    actor: Any,
    base_version: int,
    address: Address | None = None,
    shipping_method: str = "standard",
    payment_method: str = "",
) -> Order:
    """Place an open draft whose version is `base_version` as exactly one order.

    The address defaults to the customer's newest; the payment mode, when not given, to the
    first of credit terms and cash on delivery the customer's credit rating allows. Placing the
    same version again (a retry) returns the same order. Raises DraftConflict for a stale
    version or a closed draft, DraftError for a draft without lines or address, and what
    checkout raises (`CheckoutError`, `OutOfStock`, `PaymentError`); nothing is written then.
    """
    with transaction.atomic():
        locked = _lock(draft.public_id)
        if locked is None:
            raise DraftError(_("There is no such draft order."))
        _check_actor(actor, locked.customer)
        if (
            locked.status == DraftStatus.PLACED
            and locked.order_id is not None
            and base_version == locked.version
        ):
            return Order.objects.get(pk=locked.order_id)  # the same placing, again
        _check_version(locked, base_version)
        _check_open(locked)
        lines = list(locked.lines.select_related("product").order_by("position", "id"))
        if not lines:
            raise DraftError(_("Add at least one line before placing the order."))
        customer = locked.customer
        if address is None:
            address = Address.objects.filter(customer=customer).order_by("-id").first()
        if address is None:
            raise DraftError(_("The customer has no delivery address yet."))
        method = payment_method or _payment_method_for(
            customer, [(x.product, x.quantity) for x in lines]
        )
        order = place_draft_order(
            items=[(x.product_id, x.quantity) for x in lines],
            customer=customer,
            address=address,
            shipping_method=shipping_method,
            payment_method=method,
            idempotency_key=f"draft-{locked.public_id.hex}",
            actor=actor,
            reference=f"draft {str(locked.public_id)[:8]}",
        )
        locked.status = DraftStatus.PLACED
        locked.order = order
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "order", "closed_at", "updated_at"])
        _record(locked, "placed", actor, f"placed as order {order.number}", order=order.number)
        return order


def discard_draft(*, draft: DraftOrder, actor: Any, base_version: int) -> DraftOrder:
    """Throw an open draft away (it stays listed as discarded). Discarding it again is a no-op.
    Raises DraftConflict for a stale version or a placed draft."""
    with transaction.atomic():
        locked = _lock(draft.public_id)
        if locked is None:
            raise DraftError(_("There is no such draft order."))
        _check_actor(actor, locked.customer)
        if locked.status == DraftStatus.DISCARDED and base_version == locked.version:
            return locked
        _check_version(locked, base_version)
        _check_open(locked)
        locked.status = DraftStatus.DISCARDED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["status", "closed_at", "updated_at"])
        _record(locked, "discarded", actor, "discarded")
        return locked
