"""Publishing to open websockets through the Channels layer (Redis, or in-memory in one process).

Group names: `chat.room.<pk>` (everyone reading a room), `chat.user.<pk>` (every tab of one staff
member), `chat.staff` (every staff tab: presence, the customer queue). Services publish after
commit, so a client never hears of a message the database does not have yet.
"""

from __future__ import annotations

import asyncio
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


# A "tasks" nudge only tells task lists to refresh (the page throttles it to one fetch a
# second), so a busy conversation need not send one per message to every staff tab. The first
# nudge to a group goes out at once; those within NUDGE_SECONDS after it fold into one more
# sent when the window ends, so the last change is always announced.
NUDGE_SECONDS = 0.5


class Nudges:
    """Coalesced `tasks` events of one process (used from its event loop only)."""

    def __init__(self, window: float = NUDGE_SECONDS) -> None:
        self.window = window
        self.loop: asyncio.AbstractEventLoop | None = None
        self.sent_at: dict[str, float] = {}
        self.pending: set[str] = set()
        self.running: set[asyncio.Task[None]] = set()

    def nudge(self, group: str) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self.loop:  # a new event loop (tests run one per case): start afresh
            self.loop, self.sent_at, self.pending, self.running = loop, {}, set(), set()
        if group in self.pending:
            return
        now = loop.time()
        due = self.sent_at.get(group, -self.window) + self.window
        if now >= due:
            self._send(group, now)
        else:
            self.pending.add(group)
            loop.call_at(due, self._flush, group)
        if len(self.sent_at) > 1000:  # forget groups quiet for longer than the window
            self.sent_at = {g: t for g, t in self.sent_at.items() if now - t < self.window}

    def _flush(self, group: str) -> None:
        self.pending.discard(group)
        self._send(group, asyncio.get_running_loop().time())

    def _send(self, group: str, now: float) -> None:
        self.sent_at[group] = now
        task = asyncio.get_running_loop().create_task(_send_async(group, TASKS_EVENT))
        self.running.add(task)
        task.add_done_callback(self.running.discard)


TASKS_EVENT: dict[str, Any] = {"type": "chat.event", "payload": {"type": "tasks"}}
nudges = Nudges()


async def _send_async(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        await layer.group_send(group, event)
    except Exception:  # a nudge is advisory: task lists also refresh every 30 s
        log.exception("chat: could not nudge %s", group)
