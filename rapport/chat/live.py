"""Publishing to open websockets through the Channels layer (Redis, or in-memory in one process).

Group names: `chat.room.<pk>` (everyone reading a room), `chat.user.<pk>` (every tab of one staff
member), `chat.staff` (every staff tab: presence, the customer queue). Services publish after
commit, so a client never hears of a message the database does not have yet.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from rapport.chat.models import Message, Room

log = logging.getLogger(__name__)
STAFF_GROUP = "chat.staff"


def room_group(room_id: int) -> str:
    return f"chat.room.{room_id}"


def user_group(user_id: int) -> str:
    return f"chat.user.{user_id}"


def message_payload(message: Message, room: Room) -> dict[str, Any]:
    """What a client receives for one message (text only; the client inserts it as text)."""
    return {
        "type": "message",
        "room": str(room.public_id),
        "seq": message.seq,
        "author": message.author_label,
        "from_staff": message.from_staff,
        "system": message.system,
        "body": message.body,
        "at": message.created_at.isoformat(),
    }


def send_now(group: str, event: dict[str, Any]) -> None:
    """Send one event to a group; a layer failure is logged, never raised into a service."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:  # the database has the truth; clients catch up with `sync`
        log.exception("chat: could not publish to %s", group)


def publish(group: str, payload: dict[str, Any], *, join: str = "") -> None:
    """Send `payload` to every socket in `group` once the current transaction commits.

    `join` names a group the receiving sockets should join first (a room they were added to).
    """
    event = {"type": "chat.event", "payload": payload, "join": join}
    transaction.on_commit(lambda: send_now(group, event))
