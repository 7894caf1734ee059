"""Conversations (the live chat's rooms) and their messages: scopes messages:read and
messages:write. Customers see their own conversations with the store; staff the rooms the
chat lets them read (their direct and team rooms, every customer conversation). Messages are
paged by cursor: `after` is the last number seen, as the chat's reconnect does."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from rapport.api.auth import SIGNED_IN, Principal, need
from rapport.api.pagination import NO_NUL, LimitOffset
from rapport.chat.access import (
    get_room_for_staff,
    get_room_for_visitor,
    rooms_visible_to_staff,
    rooms_visible_to_visitor,
)
from rapport.chat.models import MAX_MESSAGE_LENGTH, Message, Room
from rapport.chat.queries import HISTORY_LIMIT, messages_after
from rapport.chat.services import ChatError, post_message

router = Router(tags=["messages"], auth=SIGNED_IN)


class ConversationOut(Schema):
    id: UUID
    kind: str
    status: str
    title: str
    last_seq: int = Field(description="The number of the latest message")
    last_message_at: datetime | None

    @staticmethod
    def resolve_id(obj: Room) -> UUID:
        return obj.public_id


class MessageOut(Schema):
    seq: int
    author: str
    from_staff: bool
    system: bool
    body: str
    created_at: datetime

    @staticmethod
    def resolve_author(obj: Message) -> str:
        return obj.author_label


class MessagePage(Schema):
    items: list[MessageOut]
    next_after: int | None = Field(description="Pass as `after` for the next page; null: none")


class MessageCursor(Schema):
    after: int = Field(0, ge=0, le=2**62, description="The last message number seen")
    limit: int = Field(50, ge=1, le=HISTORY_LIMIT)


class MessageIn(Schema):
    body: str = Field(..., min_length=1, max_length=MAX_MESSAGE_LENGTH, pattern=NO_NUL)


def room_for(principal: Principal, room_id: UUID) -> Room:
    if principal.is_staff:
        return get_room_for_staff(principal.user, room_id)
    return get_room_for_visitor(principal.user, None, room_id)


@router.get("", response=list[ConversationOut], url_name="conversations")
@paginate(LimitOffset)
def list_conversations(request: HttpRequest) -> Any:
    """The conversations the caller may read, latest activity first. Scope messages:read."""
    principal = need(request, "messages:read")
    if principal.is_staff:
        rooms = rooms_visible_to_staff(principal.user)
    else:
        rooms = rooms_visible_to_visitor(principal.user, None)
    return rooms.order_by("-last_message_at", "-id")


@router.get("/{conversation_id}", response=ConversationOut, url_name="conversation")
def get_conversation(request: HttpRequest, conversation_id: UUID) -> Any:
    """One conversation. Scope messages:read."""
    return room_for(need(request, "messages:read"), conversation_id)


@router.get("/{conversation_id}/messages", response=MessagePage, url_name="conversation_messages")
def list_messages(request: HttpRequest, conversation_id: UUID, cursor: Query[MessageCursor]) -> Any:
    """Messages numbered above `after`, oldest first, at most `limit`. Scope messages:read."""
    room = room_for(need(request, "messages:read"), conversation_id)
    items = messages_after(room, cursor.after, limit=cursor.limit)
    more = bool(items) and items[-1].seq < room.last_seq
    return {"items": items, "next_after": items[-1].seq if more else None}


@router.post(
    "/{conversation_id}/messages",
    response={201: MessageOut},
    url_name="conversation_post",
)
def post(request: HttpRequest, conversation_id: UUID, payload: MessageIn) -> Any:
    """Write in a conversation (staff answer as staff; the customer as themself); people in
    the conversation see it live. 409 for a closed conversation. Scope messages:write."""
    principal = need(request, "messages:write")
    room = room_for(principal, conversation_id)
    try:
        message = post_message(
            room=room, actor=principal.user, body=payload.body, from_staff=principal.is_staff
        )
    except ChatError as exc:
        raise HttpError(409 if room.status == "closed" else 422, str(exc)) from exc
    return Status(201, message)
