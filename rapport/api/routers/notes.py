"""Workspace notes between colleagues, for staff (scopes notes:read, notes:write)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import AwareDatetime, field_validator

from rapport.api.auth import SIGNED_IN, need
from rapport.api.pagination import NO_NUL, LimitOffset
from rapport.chat.queries import staff_users
from rapport.customers.access import get_customer_for_staff
from rapport.orders.access import get_order_for
from rapport.workspace.access import get_note_for_staff
from rapport.workspace.models import Note
from rapport.workspace.queries import inbox, notes_on
from rapport.workspace.services import MAX_NOTE_LENGTH, WorkspaceError, add_note, complete_note

router = Router(tags=["notes"], auth=SIGNED_IN)


class NoteOut(Schema):
    id: UUID
    body: str
    author: str | None
    to: str | None = Field(description="The colleague's email, if addressed to one")
    customer: UUID | None
    order: UUID | None
    due_at: datetime | None
    done_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_id(obj: Note) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_author(obj: Note) -> str | None:
        return str(obj.author) if obj.author_id else None

    @staticmethod
    def resolve_to(obj: Note) -> str | None:
        return obj.to_user.email if obj.to_user is not None else None

    @staticmethod
    def resolve_customer(obj: Note) -> UUID | None:
        return obj.customer.public_id if obj.customer is not None else None

    @staticmethod
    def resolve_order(obj: Note) -> UUID | None:
        return obj.order.public_id if obj.order is not None else None


class NoteFilter(Schema):
    customer: UUID | None = Field(None, description="Notes on this customer")
    order: UUID | None = Field(None, description="Notes on this order")


class NoteIn(Schema):
    body: str = Field(..., min_length=1, max_length=MAX_NOTE_LENGTH, pattern=NO_NUL)
    customer: UUID | None = None
    order: UUID | None = None
    to: str | None = Field(None, max_length=254, pattern=NO_NUL, description="A colleague's email")
    due_at: AwareDatetime | None = Field(
        None, description="A follow-up time with its UTC offset, years 2000 to 2199"
    )

    @field_validator("due_at")
    @classmethod
    def due_within_reach(cls, value: datetime | None) -> datetime | None:
        # The year is checked before anything converts the time to UTC (year 1 at +14:00 would
        # fall before year 1 and overflow).
        if value is not None and not 2000 <= value.year <= 2199:
            raise ValueError("Give a follow-up time between the years 2000 and 2199.")
        return value


SELECTED = ("author", "to_user", "customer", "order")


@router.get("", response=list[NoteOut], url_name="notes")
@paginate(LimitOffset)
def list_notes(request: HttpRequest, filters: Query[NoteFilter]) -> Any:
    """Notes on a customer or an order, or (with neither) the caller's inbox: notes to them not
    done yet and notes naming them not seen yet. Staff; scope notes:read."""
    principal = need(request, "notes:read", staff=True)
    if filters.order:
        notes = notes_on(order=get_order_for(principal.user, filters.order))
    elif filters.customer:
        notes = notes_on(customer=get_customer_for_staff(principal.user, filters.customer))
    else:
        notes = inbox(principal.user)
    return notes.select_related(*SELECTED)


@router.post("", response={201: NoteOut}, url_name="notes_add")
def create_note(request: HttpRequest, payload: NoteIn) -> Any:
    """Write a note on a customer or an order and/or to a colleague (@mentions tell the
    colleagues named). Staff; scope notes:write. Audited, on the customer's timeline."""
    principal = need(request, "notes:write", staff=True)
    user = principal.user
    order = get_order_for(user, payload.order) if payload.order else None
    customer = get_customer_for_staff(user, payload.customer) if payload.customer else None
    to_user = None
    if payload.to:
        to_user = staff_users().filter(email__iexact=payload.to.strip()).first()
        if to_user is None:
            raise HttpError(422, "No colleague has this email address.")
    try:
        note = add_note(
            actor=user,
            body=payload.body,
            customer=customer,
            order=order,
            to_user=to_user,
            due_at=payload.due_at,
        )
    except WorkspaceError as exc:
        raise HttpError(422, str(exc)) from exc
    return Status(201, Note.objects.select_related(*SELECTED).get(pk=note.pk))


@router.get("/{note_id}", response=NoteOut, url_name="note")
def get_note(request: HttpRequest, note_id: UUID) -> Any:
    """One note. Staff; scope notes:read."""
    principal = need(request, "notes:read", staff=True)
    return get_note_for_staff(principal.user, note_id)


@router.post("/{note_id}/done", response=NoteOut, url_name="note_done")
def mark_note_done(request: HttpRequest, note_id: UUID) -> Any:
    """The addressee (or the author of a note to nobody) marks it done; a colleague it names
    marks it seen; anyone else gets 409. Staff; scope notes:write."""
    principal = need(request, "notes:write", staff=True)
    note = get_note_for_staff(principal.user, note_id)
    try:
        complete_note(note=note, actor=principal.user)
    except WorkspaceError as exc:
        raise HttpError(409, str(exc)) from exc
    return Note.objects.select_related(*SELECTED).get(pk=note.pk)
