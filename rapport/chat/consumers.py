"""Websocket endpoints of the chat: one for staff, one for customers and visitors.

The protocol is small JSON frames. Client → server: `sync` {room, after} (send me what I missed
after number `after`, then live messages), `send` {room, body, ref}, `read` {room, seq}, `ping`.
Server → client: `message` {room, seq, author, from_staff, system, body, at}, `synced`
{room, last_seq}, `sent` {ref, seq}, `error` {ref, error}, `presence`, `room`, `closed`, `tasks`.
Clients insert text as text (never as HTML). Message numbers let a client drop duplicates and
notice gaps (it asks `sync` again).
"""

from __future__ import annotations

import time
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from rapport.chat import access, live, queries, services
from rapport.chat.models import Room, RoomKind, RoomMember

RECHECK_SECONDS = 30
# Per connection: a burst of BURST messages, then one every REFILL seconds.
BURST, REFILL = 10, 1.0
CLOSE_FORBIDDEN = 4403


class _Bucket:
    def __init__(self) -> None:
        self.tokens, self.at = float(BURST), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(BURST, self.tokens + (now - self.at) / REFILL)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class _ChatConsumer(AsyncJsonWebsocketConsumer):
    from_staff = False

    async def connect(self) -> None:
        self.user: Any = self.scope.get("user")
        self.bucket = _Bucket()
        self.joined: set[str] = set()
        if not await self.allowed():
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.before_accept()
        await self.accept()

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Call the handler of `message` directly.

        Channels' own dispatch first runs `close_old_connections` through `sync_to_async` in
        thread-sensitive mode, i.e. on the one shared thread of the process, for every frame and
        every group event: at 200 messages/s over 2,000 sockets that single thread became a queue
        in front of every delivery. Our handlers touch the database only through `_db`, which
        closes stale connections itself in the worker thread, before and after each call.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def allowed(self) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    async def before_accept(self) -> None:
        """Join groups (and mark presence) before the client hears it is connected."""
        return None

    async def join(self, group: str) -> None:
        if group not in self.joined:
            self.joined.add(group)
            await self.channel_layer.group_add(group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "joined", set()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def room_for(self, public_id: Any) -> Room | None:  # pragma: no cover - overridden
        raise NotImplementedError

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        if not await self.still_allowed():
            await self.close(code=CLOSE_FORBIDDEN)
            return
        kind = content.get("type")
        if kind == "ping":
            await self.on_ping()
            await self.send_json({"type": "pong"})
            return
        room = await self.room_for(content.get("room"))
        if room is None:
            await self.send_json({"type": "error", "ref": content.get("ref"), "error": "room"})
            return
        if kind == "sync":
            await self.sync(room, content.get("after"))
        elif kind == "send":
            await self.send_message(room, content)
        elif kind == "read":
            await _db(services.mark_read)(room=room, actor=self.user, seq=_int(content.get("seq")))

    async def sync(self, room: Room, after: Any) -> None:
        await self.join(live.room_group(room.pk))
        missed = await _db(queries.messages_after)(room, _int(after))
        for message in missed:
            await self.send_json(live.message_payload(message, room))
        last = missed[-1].seq if missed else _int(after)
        await self.send_json({"type": "synced", "room": str(room.public_id), "last_seq": last})

    async def send_message(self, room: Room, content: dict[str, Any]) -> None:
        ref = content.get("ref")
        if not self.bucket.take():
            await self.send_json({"type": "error", "ref": ref, "error": "slow down"})
            return
        try:
            message = await _db(services.post_message)(
                room=room,
                actor=self.user,
                body=str(content.get("body") or ""),
                from_staff=self.from_staff,
                author_label=self.author_label(room),
                publish=False,
            )
        except services.ChatError as exc:
            await self.send_json({"type": "error", "ref": ref, "error": str(exc)})
            return
        await self.join(live.room_group(room.pk))
        # Committed: tell the room from this loop rather than from a blocked worker thread,
        # before the sender hears it is sent. Task lists get a coalesced nudge, off this path.
        payload = live.message_payload(message, room)
        await self.channel_layer.group_send(
            live.room_group(room.pk), {"type": "chat.event", "payload": payload}
        )
        who = services.tasks_group(message)
        if who:
            live.nudges.nudge(who)
        await self.send_json({"type": "sent", "ref": ref, "seq": message.seq})

    def author_label(self, room: Room) -> str:
        return ""

    async def still_allowed(self) -> bool:
        return True

    async def on_ping(self) -> None:
        return None

    async def chat_event(self, event: dict[str, Any]) -> None:
        if event.get("join"):
            await self.join(event["join"])
        await self.send_json(event["payload"])


class StaffChatConsumer(_ChatConsumer):
    """Staff tabs: every room they may read, presence, and live task counts."""

    from_staff = True

    async def allowed(self) -> bool:
        self.checked_at = time.monotonic()
        return bool(await _db(_staff_ok)(self.user, self.scope.get("session")))

    async def before_accept(self) -> None:
        await self.join(live.STAFF_GROUP)
        await self.join(live.user_group(self.user.pk))
        for room_id in await _db(_member_room_ids)(self.user):
            await self.join(live.room_group(room_id))
        await _db(services.connect)(user=self.user, channel_name=self.channel_name)
        self.present = True

    async def disconnect(self, code: int) -> None:
        if getattr(self, "present", False):
            await _db(services.disconnect)(user=self.user, channel_name=self.channel_name)
        await super().disconnect(code)

    async def still_allowed(self) -> bool:
        """Re-read the session now and then: a sign-out or an idle timeout ends the socket."""
        if time.monotonic() - self.checked_at < RECHECK_SECONDS:
            return True
        self.checked_at = time.monotonic()
        return bool(await _db(_staff_still_ok)(self.user, self.scope))

    async def on_ping(self) -> None:
        await _db(services.heartbeat)(channel_name=self.channel_name)

    async def room_for(self, public_id: Any) -> Room | None:
        return await _db(_staff_room)(self.user, public_id)


class VisitorChatConsumer(_ChatConsumer):
    """A customer's or anonymous visitor's tab, bound to one conversation (in the URL)."""

    async def allowed(self) -> bool:
        public_id = self.scope["url_route"]["kwargs"]["public_id"]
        self.room = await _db(_visitor_room)(self.user, self.scope.get("session"), public_id)
        if self.room is None:
            return False
        await self.join(live.room_group(self.room.pk))
        return True

    async def room_for(self, public_id: Any) -> Room | None:
        # The conversation is fixed by the URL; a frame naming another one is refused. The
        # services lock and re-read the row, so the object from connect time serves.
        if public_id is not None and str(public_id) != str(self.room.public_id):
            return None
        return self.room

    def author_label(self, room: Room) -> str:
        return room.visitor_label if room.customer_id is None else ""


def _db(func: Any) -> Any:
    """Run a database call on the worker pool: calls of different sockets run side by side
    (each thread has its own connection; every call is one transaction or one read), never
    queued behind one another on the process's single thread-sensitive thread."""
    return database_sync_to_async(func, thread_sensitive=False)


def _int(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def _staff_ok(user: Any, session: Any) -> bool:
    return access.staff_scope_ok(user, session)


def _staff_still_ok(user: Any, scope: dict[str, Any]) -> bool:
    """Fresh session and user from the database; activity on the socket keeps it alive."""
    from importlib import import_module

    from django.conf import settings

    from rapport.accounts.models import User
    from rapport.accounts.sessions import STAFF_SEEN_KEY

    key = getattr(scope.get("session"), "session_key", None)
    if not key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    fresh = User.objects.filter(pk=user.pk).first()
    if fresh is None or not access.staff_scope_ok(fresh, store):
        return False
    store[STAFF_SEEN_KEY] = time.time()
    store.save()
    return True


def _member_room_ids(user: Any) -> list[int]:
    direct = RoomMember.objects.filter(user=user).values_list("room_id", flat=True)
    teams = Room.objects.filter(kind=RoomKind.TEAM, team__members=user).values_list("pk", flat=True)
    return sorted({*direct, *teams})


def _staff_room(user: Any, public_id: Any) -> Room | None:
    try:
        return access.get_room_for_staff(user, public_id)
    except Http404:
        return None


def _visitor_room(user: Any, session: Any, public_id: Any) -> Room | None:
    try:
        return access.get_room_for_visitor(user, session, public_id)
    except Http404:
        return None
