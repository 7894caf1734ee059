"""Set-based application of the common pushed operations: notes, draft saves, messages.

A device back online pushes hundreds of these at once; applied one by one, each costs a dozen
round trips to the database (its lookups, its service's savepoints, its audit entry, its
applied-operation row). A `Batch` looks the objects of the operations to come up once (the
customers and products through the same access helpers, the drafts and conversations locked
in a fixed order), checks each operation on its own exactly as `services._run` would — the
domain's batch (`NoteBatch`, `DraftBatch`, `MessageBatch`) applying the same rules as its
single-object service, against the stored objects and the batch's earlier operations — and
then writes them all, with their applied-operation rows, in a few bulk statements.

`plan` answers None for any operation it does not plan: another kind, a bad payload, a
missing scope, an unknown or foreign id, a refusal, a conflict, an id the batch has seen. The
caller then writes the batch and runs that operation alone (`services._one`), so its result
— the refusal's reason, the conflict's current object — is exactly the one-by-one result.
"""

from __future__ import annotations

import uuid
from contextlib import suppress
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from pydantic import ValidationError as PayloadError

from rapport.accounts.roles import is_employee
from rapport.chat.access import rooms_visible_to_staff, rooms_visible_to_visitor
from rapport.chat.models import Room
from rapport.chat.services import MessageBatch
from rapport.customers.access import customers_visible_to
from rapport.drafts.access import drafts_visible_to
from rapport.drafts.services import DraftBatch, DraftLineInput
from rapport.sync import payloads as p
from rapport.sync.kinds import (
    HANDLERS,
    REFUSALS,
    SCOPE_OF,
    SEEN,
    Conflict,
    Operation,
    Rejected,
    Result,
    lookup_customer,
    lookup_products,
)
from rapport.sync.models import AppliedOperation, OperationStatus
from rapport.workspace.queries import taken_note_ids
from rapport.workspace.services import NoteBatch

BULK_KINDS = frozenset({"note.create", "draft_order.save", "message.post"})
# How many operations ahead one look-up covers: a batch of 500 costs a few look-ups, and a
# batch broken by many refusals does not parse all the rest again after each.
LOOKAHEAD = 100


class OneByOne(Exception):
    """This operation is not for the batch: it runs alone."""


class Batch:
    """The operations of `group` planned since the last write (see the module's docstring);
    `plan` looks up the objects of the next LOOKAHEAD operations when it gets to them."""

    def __init__(self, actor: Any, scopes: frozenset[str], group: list[Operation]) -> None:
        self.actor = actor
        self.scopes = scopes
        self.staff = is_employee(actor)
        self.group = group
        self._loaded_until = -1
        self.planned: list[tuple[int, Operation]] = []
        self._results: list[Result] = []
        self._ids: set[uuid.UUID] = set()
        self.notes = NoteBatch(actor)
        self.drafts = DraftBatch(actor)
        self.messages = MessageBatch(actor, from_staff=self.staff)
        self._note_ids: set[Any] = set()  # taken already, or by this batch
        self._visible_drafts: set[Any] = set()
        self._new_drafts: set[Any] = set()
        self._rooms: dict[Any, Room] = {}

    def plan(self, op: Operation, index: int) -> Result | None:
        """The operation's result once the batch is written, or None (it runs alone)."""
        if op.id in self._ids or op.kind not in BULK_KINDS or SCOPE_OF[op.kind] not in self.scopes:
            return None
        schema, _apply = HANDLERS[op.kind]
        try:
            payload = schema.model_validate(op.payload)
        except PayloadError:
            return None
        if index >= self._loaded_until:
            self._load(self.group[index : index + LOOKAHEAD])
            self._loaded_until = index + LOOKAHEAD
        try:
            if isinstance(payload, p.NoteCreate):
                object_id, version = self._note(payload)
            elif isinstance(payload, p.DraftSave):
                object_id, version = self._draft(payload)
            elif isinstance(payload, p.MessagePost):
                object_id, version = self._message(payload)
            else:
                return None
        except (OneByOne, Http404, PermissionDenied, Rejected, Conflict, *REFUSALS):
            return None
        result = Result(
            id=str(op.id),
            status=OperationStatus.APPLIED,
            object_id=str(object_id),
            version=version,
        )
        self.planned.append((index, op))
        self._results.append(result)
        self._ids.add(op.id)
        return result

    def write(self) -> list[AppliedOperation]:
        """Store every planned effect and its applied-operation row (call in a transaction)."""
        self.notes.write()
        self.drafts.write()
        self.messages.write()
        return AppliedOperation.objects.bulk_create(
            AppliedOperation(
                person=self.actor,
                op_id=op.id,
                kind=op.kind,
                status=result.status,
                result=result.as_dict(),
            )
            for (_index, op), result in zip(self.planned, self._results, strict=True)
        )

    # --- looking up the objects of the operations to come, once ---------------------------

    @staticmethod
    def _payloads(upcoming: list[Operation], kind: str, schema: Any) -> list[Any]:
        found = []
        for op in upcoming:
            if op.kind == kind:
                with suppress(PayloadError):  # its operation runs alone and says why
                    found.append(schema.model_validate(op.payload))
        return found

    def _load(self, upcoming: list[Operation]) -> None:
        actor = self.actor
        notes = self._payloads(upcoming, "note.create", p.NoteCreate)
        drafts = self._payloads(upcoming, "draft_order.save", p.DraftSave)
        messages = self._payloads(upcoming, "message.post", p.MessagePost)
        self._load_customers({x.customer_id for x in [*notes, *drafts] if x.customer_id})
        product_ids = {line.product_id for x in drafts for line in x.lines}
        if product_ids:
            with suppress(Rejected):  # an unknown product: its operation runs alone, says so
                lookup_products(list(product_ids))  # fills the push's cache
        if notes:
            self._note_ids |= taken_note_ids([x.note_id for x in notes])
        if drafts:
            self.drafts.lock({x.draft_id for x in drafts})
            edited = [x.draft_id for x in drafts if x.base_version is not None]
            if edited:
                visible = drafts_visible_to(actor).filter(public_id__in=edited)
                self._visible_drafts |= set(visible.values_list("public_id", flat=True))
        if messages:
            wanted = {x.conversation_id for x in messages}
            if self.staff:
                rooms = rooms_visible_to_staff(actor).filter(public_id__in=wanted)
            else:
                rooms = rooms_visible_to_visitor(actor, None).filter(public_id__in=wanted)
            found = {room.public_id: room for room in rooms}
            self.messages.lock(list(found.values()))
            self._rooms.update(found)

    def _load_customers(self, ids: set[Any]) -> None:
        """What `lookup_customer` would fetch one by one, in one query (same access helper)."""
        cache = SEEN.get()
        if cache is None:
            return
        ids = {i for i in ids if ("customer", i, False) not in cache}
        if not ids:
            return
        found = customers_visible_to(self.actor).select_related("occupation", "user", "merged_into")
        for customer in found.filter(public_id__in=ids):
            cache[("customer", customer.public_id, False)] = customer
            if self.staff:
                cache[("customer", customer.public_id, True)] = customer

    # --- the kinds ----------------------------------------------------------------------

    def _note(self, payload: p.NoteCreate) -> tuple[Any, None]:
        """As `kinds.note_create`, for a note on a customer to nobody in particular."""
        if not self.staff or payload.order_id or payload.to_user_id or not payload.customer_id:
            raise OneByOne
        if payload.note_id in self._note_ids:
            raise OneByOne  # taken: refused alone
        customer = lookup_customer(self.actor, payload.customer_id, staff_only=True)
        note = self.notes.add(body=payload.body, customer=customer, public_id=payload.note_id)
        self._note_ids.add(payload.note_id)
        return note.public_id, None

    def _draft(self, payload: p.DraftSave) -> tuple[Any, int]:
        """As `kinds.draft_save`, the draft's access checked against the looked-up ones."""
        customer = lookup_customer(self.actor, payload.customer_id)
        if payload.base_version is not None:
            made_here = payload.draft_id in self._new_drafts and self.staff
            if payload.draft_id not in self._visible_drafts and not made_here:
                raise OneByOne  # not theirs, unknown, or theirs since this batch: alone
        products = lookup_products([x.product_id for x in payload.lines])
        lines = [DraftLineInput(products[x.product_id], x.quantity) for x in payload.lines]
        draft = self.drafts.save(
            customer=customer,
            lines=lines,
            note=payload.note,
            base_version=payload.base_version,
            draft_id=payload.draft_id,
        )
        if payload.base_version is None:
            self._new_drafts.add(draft.public_id)
        return draft.public_id, draft.version

    def _message(self, payload: p.MessagePost) -> tuple[Any, None]:
        """As `kinds.message_post`, in a conversation looked up through the same helper."""
        room = self._rooms.get(payload.conversation_id)
        if room is None:
            raise OneByOne
        self.messages.post(room=room, body=payload.body)
        return room.public_id, None
