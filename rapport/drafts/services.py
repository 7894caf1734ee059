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


def _write_lines(draft: DraftOrder, lines: list[DraftLineInput]) -> None:
    DraftLine.objects.bulk_create(
        [
            DraftLine(draft=draft, product=line.product, quantity=line.quantity, position=i)
            for i, line in enumerate(lines)
        ]
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
    not serve this customer. Nothing is written then.
    """
    _check_actor(actor, customer)
    if customer.erased_at is not None or customer.merged_into_id is not None:
        raise DraftError(_("This customer record is closed."))
    checked = _check_lines(lines)
    note = _check_note(note)
    with transaction.atomic():
        if base_version is None:
            try:
                with transaction.atomic():
                    draft = DraftOrder.objects.create(
                        public_id=draft_id or uuid.uuid4(),
                        customer=customer,
                        created_by=actor,
                        note=note,
                    )
            except IntegrityError:
                raise DraftConflict(_("A draft with this id exists already."), None) from None
            _write_lines(draft, checked)
            _record(draft, "created", actor, "created", lines=len(checked))
            return draft
        locked = _lock(draft_id)
        if locked is None:
            raise DraftError(_("There is no such draft order."))
        _check_actor(actor, locked.customer)
        _check_version(locked, base_version)
        _check_open(locked)
        if locked.customer_id != customer.pk:
            raise DraftError(_("A draft stays with the customer it was made for."))
        locked.lines.all().delete()
        _write_lines(locked, checked)
        locked.note = note
        locked.version += 1
        locked.save(update_fields=["note", "version", "updated_at"])
        _record(locked, "saved", actor, "edited", lines=len(checked))
        return locked


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
