"""Writes of the chat: rooms, messages, read cursors, customer conversations, presence.

Every function takes keyword-only arguments and an explicit `actor`; posting locks the room row
so message numbers follow commit order; clients hear of changes after commit (`live.publish`).
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.roles import is_employee
from rapport.chat import live
from rapport.chat.models import (
    MAX_MESSAGE_LENGTH,
    Message,
    Presence,
    Room,
    RoomKind,
    RoomMember,
    RoomStatus,
)
from rapport.core import audit
from rapport.core.sql import column, db_value, table

PRESENCE_TTL = timedelta(seconds=90)


class ChatError(Exception):
    """A chat action that cannot be done; the message is fit to show to the person."""


def _label(user: Any) -> str:
    name = (getattr(user, "get_full_name", lambda: "")() or "").strip()
    return name or str(getattr(user, "first_name", "") or user)


def _clean(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ChatError(_("Write a message first."))
    if len(body) > MAX_MESSAGE_LENGTH:
        raise ChatError(_("A message can be at most %(n)s characters.") % {"n": MAX_MESSAGE_LENGTH})
    return body


def _join(room: Room, user: Any) -> RoomMember:
    member, created = RoomMember.objects.get_or_create(room=room, user=user)
    if created:
        live.publish(
            live.user_group(user.pk),
            {"type": "room", "room": str(room.public_id)},
            join=live.room_group(room.pk),
        )
    return member


# --- Staff rooms -------------------------------------------------------------------------


def open_direct_room(*, actor: Any, other: Any) -> Room:
    """The direct room of two staff members (created once, then reused)."""
    if not is_employee(other) or other.pk == actor.pk:
        raise ChatError(_("Choose a colleague."))
    with transaction.atomic():
        pair = sorted([actor.pk, other.pk])
        title = f"direct:{pair[0]}:{pair[1]}"
        room, created = Room.objects.get_or_create(
            kind=RoomKind.DIRECT, title=title, defaults={"status": RoomStatus.OPEN}
        )
        if created:
            _join(room, actor)
            _join(room, other)
        return room


def team_room(*, team: Any) -> Room:
    """The team's private room (created on first use). Access follows team membership."""
    room, _created = Room.objects.get_or_create(
        kind=RoomKind.TEAM, team=team, defaults={"title": team.name}
    )
    return room


# --- Messages ----------------------------------------------------------------------------


def post_message(
    *,
    room: Room,
    actor: Any,
    body: str,
    from_staff: bool,
    author_label: str = "",
    system: bool = False,
    publish: bool = True,
) -> Message:
    """Append one message to `room` with the next number; publish it after commit.

    Raises ChatError for an empty or too long text or a closed room; nothing is written then.
    The text is stored as typed and escaped wherever it is shown. A websocket consumer passes
    `publish=False` and sends `message_events(message)` itself, without blocking a thread.
    """
    body = _clean(body)
    user = actor if getattr(actor, "is_authenticated", False) else None
    label = (author_label or (_label(user) if user else _("Visitor")))[:200]
    with transaction.atomic():
        locked, message = _append(
            room, user=user, from_staff=from_staff, label=label, system=system, body=body
        )
        if user is not None and from_staff:
            # The writer has read up to their own message; a first message makes them a member.
            mine = RoomMember.objects.filter(room=locked, user=user)
            if not mine.update(last_read_seq=message.seq):
                member = _join(locked, user)
                RoomMember.objects.filter(pk=member.pk).update(last_read_seq=message.seq)
        if publish:
            for group, payload in message_events(message):
                live.publish(group, payload)
        return message


def _advance(locked: Room, actor: Any, from_staff: bool) -> list[str]:
    """Take the next message number of a locked room (raising ChatError when it is closed) and
    move what a new message moves: a waiting customer conversation is the answering employee's,
    a customer has read what they write. Returns the fields changed."""
    if locked.status == RoomStatus.CLOSED:
        raise ChatError(_("This conversation is closed."))
    # The row lock makes the next number ours alone, in commit order.
    locked.last_seq += 1
    locked.last_message_at = timezone.now()
    update = ["last_seq", "last_message_at", "updated_at"]
    if from_staff and locked.kind == RoomKind.CUSTOMER and locked.status == RoomStatus.WAITING:
        locked.status, locked.assignee = RoomStatus.OPEN, actor
        update += ["status", "assignee"]
    user = actor if getattr(actor, "is_authenticated", False) else None
    if user is not None and not from_staff and locked.kind == RoomKind.CUSTOMER:
        locked.customer_read_seq = locked.last_seq
        update.append("customer_read_seq")
    return update


class MessageBatch:
    """Several `post_message`s by one signed-in actor, written together (the offline sync).

    `post` checks a message as `post_message` does (raising ChatError, the batch unchanged)
    and numbers it on the locked room; `write` updates each room once, inserts the messages,
    moves the staff author's read cursor and publishes every message after commit. Use inside
    `transaction.atomic`.
    """

    def __init__(self, actor: Any, *, from_staff: bool) -> None:
        self.actor = actor
        self.from_staff = from_staff
        self._rooms: dict[int, Room] = {}
        self._changed: dict[int, set[str]] = {}
        self._messages: list[Message] = []

    def lock(self, rooms: list[Room]) -> None:
        """Lock these rooms in one query, in a fixed order (`post` would lock each in turn)."""
        wanted = {r.pk for r in rooms} - self._rooms.keys()
        if wanted:
            for room in Room.objects.select_for_update().filter(pk__in=wanted).order_by("pk"):
                self._rooms[room.pk] = room

    def post(self, *, room: Room, body: str) -> Message:
        body = _clean(body)
        if room.pk not in self._rooms:
            self._rooms[room.pk] = Room.objects.select_for_update().get(pk=room.pk)
        locked = self._rooms[room.pk]
        update = _advance(locked, self.actor, self.from_staff)
        self._changed.setdefault(locked.pk, set()).update(update)
        message = Message(
            room=locked,
            seq=locked.last_seq,
            author=self.actor,
            author_label=_label(self.actor)[:200],
            from_staff=self.from_staff,
            system=False,
            body=body,
        )
        self._messages.append(message)
        return message

    def write(self) -> None:
        now = timezone.now()
        rooms = [self._rooms[pk] for pk in self._changed]
        for room in rooms:
            room.updated_at = now
        fields = sorted(set().union(*self._changed.values()))
        if rooms:
            Room.objects.bulk_update(rooms, fields)
        Message.objects.bulk_create(self._messages)
        if self.from_staff:
            for room in rooms:
                member = _join(room, self.actor)
                RoomMember.objects.filter(pk=member.pk).update(last_read_seq=room.last_seq)
        for message in self._messages:
            for group, payload in message_events(message):
                live.publish(group, payload)
        self._changed, self._messages = {}, []


def _append(
    room: Room, *, user: Any, from_staff: bool, label: str, system: bool, body: str
) -> tuple[Room, Message]:
    """Number and store one message: the room's row, then the message, in two hand-written
    statements (`rapport.core.sql`; the ORM's select-for-update, save and create took more
    CPU to build than the database took to run them, on the chat's busiest path).

    The UPDATE locks the room row until the transaction ends, so the number it hands out is
    ours alone and numbers follow commit order. A member of staff answering a waiting customer
    takes the conversation; a signed-in customer's own message counts as read by them. Returns
    the room as updated (a copy of `room`) and the message. Raises ChatError for a closed room.
    """
    now = timezone.now()
    c = {name: column(Room, name) for name in _ROOM_COLUMNS}
    sets = [
        f"{c['last_seq']} = {c['last_seq']} + 1",
        f"{c['last_message_at']} = %s",
        f"{c['updated_at']} = %s",
    ]
    stamp = db_value(Room, "updated_at", now)
    params: list[Any] = [stamp, stamp]
    waiting = f"{c['kind']} = %s AND {c['status']} = %s"
    if from_staff:
        sets.append(f"{c['status']} = CASE WHEN {waiting} THEN %s ELSE {c['status']} END")
        sets.append(f"{c['assignee']} = CASE WHEN {waiting} THEN %s ELSE {c['assignee']} END")
        params += [RoomKind.CUSTOMER, RoomStatus.WAITING, RoomStatus.OPEN]
        params += [RoomKind.CUSTOMER, RoomStatus.WAITING, getattr(user, "pk", None)]
    elif user is not None:
        read = c["customer_read_seq"]
        sets.append(f"{read} = CASE WHEN {c['kind']} = %s THEN {c['last_seq']} + 1 ELSE {read} END")
        params.append(RoomKind.CUSTOMER)
    # Expressions on the right read the row as it was, in PostgreSQL and SQLite alike.
    update = (
        f"UPDATE {table(Room)} SET {', '.join(sets)}"  # noqa: S608 - names from the models
        f" WHERE {c['id']} = %s AND {c['status']} <> %s"
        f" RETURNING {c['last_seq']}, {c['status']}, {c['assignee']}, {c['customer_read_seq']}"
    )
    params += [room.pk, RoomStatus.CLOSED]
    m = {name: column(Message, name) for name in _MESSAGE_COLUMNS}
    insert = (
        f"INSERT INTO {table(Message)} ({', '.join(m.values())})"  # noqa: S608
        f" VALUES ({', '.join(['%s'] * len(m))}) RETURNING {column(Message, 'id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(update, params)
        row = cursor.fetchone()
        if row is None:
            if Room.objects.filter(pk=room.pk).exists():
                raise ChatError(_("This conversation is closed."))
            raise Room.DoesNotExist
        locked = copy.copy(room)
        locked.last_seq, locked.status, locked.assignee_id, locked.customer_read_seq = row
        locked.last_message_at = locked.updated_at = now
        values = {
            "room": room.pk,
            "seq": locked.last_seq,
            "author": getattr(user, "pk", None),
            "author_label": label,
            "from_staff": from_staff,
            "system": system,
            "body": body,
            "created_at": now,
        }
        cursor.execute(insert, [db_value(Message, name, values[name]) for name in m])
        (message_id,) = cursor.fetchone()
    message = Message(
        id=message_id,
        room=locked,
        seq=locked.last_seq,
        author=user,
        author_label=label,
        from_staff=from_staff,
        system=system,
        body=body,
        created_at=now,
    )
    message._state.adding, message._state.db = False, connection.alias
    return locked, message


_ROOM_COLUMNS = (
    "id",
    "kind",
    "status",
    "assignee",
    "last_seq",
    "last_message_at",
    "updated_at",
    "customer_read_seq",
)
_MESSAGE_COLUMNS = (
    "room",
    "seq",
    "author",
    "author_label",
    "from_staff",
    "system",
    "body",
    "created_at",
)


def message_events(message: Message) -> list[tuple[str, dict[str, Any]]]:
    """What to send when `message` is written: the message to its room, and a nudge to the
    task lists of whoever serves a customer conversation (everyone while nobody does)."""
    room = message.room
    events = [(live.room_group(room.pk), live.message_payload(message, room))]
    who = tasks_group(message)
    if who:
        events.append((who, {"type": "tasks"}))
    return events


def tasks_group(message: Message) -> str:
    """The group whose task lists change with `message` ("" when none does)."""
    room = message.room
    if room.kind != RoomKind.CUSTOMER or message.from_staff:
        return ""
    return live.user_group(room.assignee_id) if room.assignee_id else live.STAFF_GROUP


def mark_read(*, room: Room, actor: Any, seq: int) -> int:
    """Move the reader's cursor forward to `seq` (never back, never past the last message)."""
    seq = max(0, int(seq))
    if is_employee(actor):
        member, _created = RoomMember.objects.get_or_create(room=room, user=actor)
        RoomMember.objects.filter(
            pk=member.pk, last_read_seq__lt=seq, room__last_seq__gte=seq
        ).update(last_read_seq=seq)
    else:
        Room.objects.filter(pk=room.pk, customer_read_seq__lt=seq, last_seq__gte=seq).update(
            customer_read_seq=seq
        )
    return seq


# --- Customer conversations --------------------------------------------------------------


def start_customer_chat(
    *, customer: Any, requested: Any, body: str, actor: Any, visitor_label: str = ""
) -> Room:
    """A customer (or an anonymous visitor when `customer` is None) starts a conversation.

    `requested` is the employee they chose, or None for anyone. The caller has checked that
    somebody is online (see `queries.online_staff_ids`); the room waits in the queue until an
    employee answers, and the chosen employee is told at once.
    """
    body = _clean(body)
    with transaction.atomic():
        room = Room.objects.create(
            kind=RoomKind.CUSTOMER,
            status=RoomStatus.WAITING,
            customer=customer,
            visitor_label=visitor_label[:80],
            requested=requested,
            title=(str(customer) if customer else visitor_label or _("Visitor"))[:200],
        )
        if requested is not None:
            _join(room, requested)
        post_message(room=room, actor=actor, body=body, from_staff=False)
        if customer is not None:
            audit.record(
                action="chat.started",
                actor=actor,
                target=room,
                customer=customer,
                summary="Chat started" + (f" with {requested}" if requested else ""),
            )
        room.refresh_from_db()
        return room


def take_chat(*, room: Room, actor: Any) -> Room:
    """An employee takes a waiting customer conversation. Refused when someone else has it."""
    with transaction.atomic():
        locked = Room.objects.select_for_update().get(pk=room.pk)
        if locked.kind != RoomKind.CUSTOMER or locked.status == RoomStatus.CLOSED:
            raise ChatError(_("This conversation is closed."))
        if locked.assignee_id not in (None, actor.pk):
            raise ChatError(_("A colleague is already serving this customer."))
        locked.assignee, locked.status = actor, RoomStatus.OPEN
        locked.save(update_fields=["assignee", "status", "updated_at"])
        _join(locked, actor)
        live.publish(live.STAFF_GROUP, {"type": "tasks"})
        return locked


def hand_over_chat(*, room: Room, actor: Any, to: Any) -> Room:
    """Hand a customer conversation to a colleague; the customer sees a note saying so."""
    if not is_employee(to) or to.pk == actor.pk:
        raise ChatError(_("Choose a colleague."))
    with transaction.atomic():
        locked = Room.objects.select_for_update().get(pk=room.pk)
        if locked.kind != RoomKind.CUSTOMER or locked.status == RoomStatus.CLOSED:
            raise ChatError(_("This conversation is closed."))
        locked.assignee, locked.status = to, RoomStatus.OPEN
        locked.save(update_fields=["assignee", "status", "updated_at"])
        _join(locked, to)
        post_message(
            room=locked,
            actor=actor,
            body=_("%(from)s handed this conversation to %(to)s.")
            % {"from": _label(actor), "to": _label(to)},
            from_staff=True,
            system=True,
        )
        if locked.customer is not None:
            audit.record(
                action="chat.handed_over",
                actor=actor,
                target=locked,
                customer=locked.customer,
                summary=f"Chat handed over to {to}",
            )
        live.publish(live.STAFF_GROUP, {"type": "tasks"})
        return locked


def close_chat(*, room: Room, actor: Any) -> Room:
    """Close a customer conversation; its transcript lands on the customer's timeline."""
    with transaction.atomic():
        locked = Room.objects.select_for_update().get(pk=room.pk)
        if locked.kind != RoomKind.CUSTOMER or locked.status == RoomStatus.CLOSED:
            raise ChatError(_("This conversation is closed."))
        locked.status, locked.closed_at = RoomStatus.CLOSED, timezone.now()
        locked.save(update_fields=["status", "closed_at", "updated_at"])
        messages = list(locked.messages.order_by("seq"))
        if locked.customer is not None:
            audit.record(
                action="chat.transcript",
                actor=actor,
                target=locked,
                customer=locked.customer,
                summary=f"Chat closed: {len(messages)} messages",
                data={
                    "messages": [
                        {
                            "seq": m.seq,
                            "author": m.author_label,
                            "from_staff": m.from_staff,
                            "at": m.created_at.isoformat(),
                            "body": m.body,
                        }
                        for m in messages
                    ]
                },
            )
        live.publish(live.room_group(locked.pk), {"type": "closed", "room": str(locked.public_id)})
        live.publish(live.STAFF_GROUP, {"type": "tasks"})
        return locked


def rate_chat(*, room: Room, actor: Any, rating: int, comment: str = "") -> Room:
    """The customer rates a conversation 1 to 5 (once; a later rating replaces it)."""
    if rating not in range(1, 6):
        raise ChatError(_("Choose between one and five stars."))
    with transaction.atomic():
        locked = Room.objects.select_for_update().get(pk=room.pk)
        if locked.kind != RoomKind.CUSTOMER:
            raise ChatError(_("Only conversations with us can be rated."))
        locked.rating, locked.rating_comment = rating, comment.strip()[:500]
        locked.save(update_fields=["rating", "rating_comment", "updated_at"])
        if locked.customer is not None:
            audit.record(
                action="chat.rated",
                actor=actor,
                target=locked,
                customer=locked.customer,
                summary=f"Chat rated {rating}/5",
                data={"rating": rating, "comment": locked.rating_comment},
            )
        return locked


# --- Presence ----------------------------------------------------------------------------


def connect(*, user: Any, channel_name: str) -> None:
    """A staff tab opened its websocket: the person is online."""
    Presence.objects.update_or_create(
        channel_name=channel_name, defaults={"user": user, "seen_at": timezone.now()}
    )
    live.send_now(live.STAFF_GROUP, _presence_event(user.pk, True))


def heartbeat(*, channel_name: str) -> None:
    Presence.objects.filter(channel_name=channel_name).update(seen_at=timezone.now())


def disconnect(*, user: Any, channel_name: str) -> None:
    """A staff tab closed: the person is offline once their last tab is gone."""
    Presence.objects.filter(channel_name=channel_name).delete()
    cutoff = timezone.now() - PRESENCE_TTL
    if not Presence.objects.filter(user=user, seen_at__gte=cutoff).exists():
        live.send_now(live.STAFF_GROUP, _presence_event(user.pk, False))


def _presence_event(user_id: int, online: bool) -> dict[str, Any]:
    return {
        "type": "chat.event",
        "payload": {"type": "presence", "user": user_id, "online": online},
    }
