"""The payload of each operation kind a client may push (docs/api.md, "Sync")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

TEXT = r"^[^\x00]*$"  # PostgreSQL cannot store a NUL character


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


class NoteCreate(Payload):
    note_id: UUID
    customer_id: UUID | None = None
    order_id: UUID | None = None
    body: str = Field(min_length=1, max_length=5000, pattern=TEXT)
    to_user_id: UUID | None = None


class MessagePost(Payload):
    conversation_id: UUID
    body: str = Field(min_length=1, max_length=5000, pattern=TEXT)


class DraftLine(Payload):
    product_id: UUID
    quantity: int = Field(ge=1, le=9999)


class DraftSave(Payload):
    draft_id: UUID
    customer_id: UUID
    lines: list[DraftLine] = Field(max_length=100)
    note: str = Field("", max_length=2000, pattern=TEXT)
    base_version: int | None = Field(None, ge=1)


class DraftPlace(Payload):
    draft_id: UUID
    base_version: int = Field(ge=1)
    # Optional choices (the server picks them when absent): see docs/api.md.
    address_id: UUID | None = None
    shipping_method: str = Field("standard", max_length=32, pattern=TEXT)
    payment_method: str = Field("", max_length=32, pattern=TEXT)


class DraftDiscard(Payload):
    draft_id: UUID
    base_version: int = Field(ge=1)


class QuoteLine(Payload):
    product_id: UUID
    quantity: int = Field(ge=1, le=9999)
    unit_price: Decimal = Field(ge=0, max_digits=10, decimal_places=2)


class QuoteCreate(Payload):
    quote_id: UUID
    customer_id: UUID
    lines: list[QuoteLine] = Field(min_length=1, max_length=50)
    valid_until: date
    note: str = Field("", max_length=2000, pattern=TEXT)


class QuoteCounter(Payload):
    quote_id: UUID
    answering: int = Field(ge=1)
    lines: list[QuoteLine] = Field(min_length=1, max_length=50)
    note: str = Field("", max_length=2000, pattern=TEXT)
    valid_until: date | None = None  # default: the answered version's date


class QuoteAccept(Payload):
    quote_id: UUID
    answering: int = Field(ge=1)
    address_id: UUID | None = None
    shipping_method: str = Field("standard", max_length=32, pattern=TEXT)
    payment_method: str = Field("", max_length=32, pattern=TEXT)


class QuoteDecline(Payload):
    quote_id: UUID
    note: str = Field("", max_length=2000, pattern=TEXT)
