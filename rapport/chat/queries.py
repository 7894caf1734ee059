"""Reads of the chat: history after a number, unread counts, who is online, waiting chats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from rapport.accounts.models import User
from rapport.accounts.roles import EMPLOYEE, MANAGER
from rapport.chat.access import rooms_visible_to_staff
from rapport.chat.models import Message, Presence, Room, RoomKind, RoomMember, RoomStatus
from rapport.chat.services import PRESENCE_TTL

HISTORY_LIMIT = 200


def messages_after(room: Room, after: int = 0, *, limit: int = HISTORY_LIMIT) -> list[Message]:
    """The room's messages numbered above `after`, oldest first, at most `limit` of them.

    A reconnecting client passes the last number it saw and gets exactly what it missed;
    a page passes 0 for the start (or uses `recent_messages`).
    """
    return list(room.messages.filter(seq__gt=max(0, int(after))).order_by("seq")[:limit])


def recent_messages(room: Room, *, limit: int = 50) -> list[Message]:
    """The last `limit` messages of a room, oldest first (what a page shows on load)."""
    rows = list(room.messages.order_by("-seq")[:limit])
    return rows[::-1]


def staff_users() -> QuerySet[User]:
    return User.objects.filter(
        Q(groups__name__in=[EMPLOYEE, MANAGER]) | Q(is_superuser=True),
        is_active=True,
        is_staff=True,
    ).distinct()


def online_staff_ids() -> set[int]:
    """Staff with a websocket seen within the presence TTL."""
    cutoff = timezone.now() - PRESENCE_TTL
    ids = Presence.objects.filter(seen_at__gte=cutoff).values_list("user_id", flat=True)
    return set(staff_users().filter(pk__in=ids).values_list("pk", flat=True))


@dataclass
class Helper:
    user: Any
    online: bool
    why: str  # "account_manager", "recent" or "" (anyone else online)


def helpers_for(customer: Any) -> list[Helper]:
    """Employees a customer may choose: their account manager and recent helpers first
    (online or not: choosing an offline one leaves a message as a ticket), then anyone online.
    """
    from rapport.aftersales.models import ServiceTicket
    from rapport.customervalue.models import CustomerValue

    online = online_staff_ids()
    chosen: list[Helper] = []
    seen: set[int] = set()
    staff = {u.pk: u for u in staff_users()}
    if customer is not None:
        # A VIP's account manager (confirmed by a manager in customervalue) comes first.
        manager_id = (
            CustomerValue.objects.filter(customer=customer)
            .values_list("account_manager_id", flat=True)
            .first()
        )
        recent: list[int] = []
        if manager_id:
            recent.append(manager_id)
        recent += list(
            Room.objects.filter(customer=customer, assignee__isnull=False)
            .order_by("-last_message_at")
            .values_list("assignee_id", flat=True)[:10]
        )
        recent += list(
            ServiceTicket.objects.filter(customer=customer, assignee__isnull=False)
            .order_by("-updated_at")
            .values_list("assignee_id", flat=True)[:10]
        )
        for pk in recent:
            if pk in staff and pk not in seen:
                seen.add(pk)
                why = "account_manager" if pk == manager_id else "recent"
                chosen.append(Helper(staff[pk], pk in online, why))
    for pk in sorted(online - seen, key=lambda p: str(staff[p]) if p in staff else ""):
        if pk in staff:
            chosen.append(Helper(staff[pk], True, ""))
    return chosen


@dataclass
class RoomRow:
    room: Room
    unread: int
    label: str


def staff_rooms(user: Any) -> list[RoomRow]:
    """The rooms of a staff member's chat page: direct and team rooms with unread counts,
    customer conversations they serve or that wait for anyone (or for them)."""
    cursors = dict(RoomMember.objects.filter(user=user).values_list("room_id", "last_read_seq"))
    rooms = (
        rooms_visible_to_staff(user)
        .filter(
            Q(kind__in=[RoomKind.DIRECT, RoomKind.TEAM])
            | Q(kind=RoomKind.CUSTOMER, assignee=user)
            | Q(
                Q(requested__isnull=True) | Q(requested=user),
                kind=RoomKind.CUSTOMER,
                status=RoomStatus.WAITING,
            )
        )
        .exclude(status=RoomStatus.CLOSED)
        .select_related("team", "customer")
        .prefetch_related("memberships__user")
        .order_by(F("last_message_at").desc(nulls_last=True), "-id")
    )
    rows = []
    for room in rooms:
        label = room.title
        if room.kind == RoomKind.DIRECT:
            others = [m.user for m in room.memberships.all() if m.user_id != user.pk]
            label = str(others[0]) if others else room.title
        rows.append(RoomRow(room, max(0, room.last_seq - cursors.get(room.pk, 0)), label))
    return rows


def unread_total(user: Any) -> int:
    """Unread messages over the rooms a staff member belongs to."""
    total = RoomMember.objects.filter(user=user).aggregate(
        n=Sum(F("room__last_seq") - F("last_read_seq"))
    )["n"]
    return int(total or 0)


def waiting_chats(user: Any) -> QuerySet[Room]:
    """Customer conversations waiting for this employee: asked for them or for anyone, and
    open ones of theirs where the customer wrote last."""
    return (
        Room.objects.filter(kind=RoomKind.CUSTOMER)
        .filter(
            Q(status=RoomStatus.WAITING, requested__isnull=True)
            | Q(status=RoomStatus.WAITING, requested=user)
            | Q(status=RoomStatus.OPEN, assignee=user, memberships__user=user)
            & Q(last_seq__gt=F("memberships__last_read_seq"))
        )
        .distinct()
        .order_by("last_message_at")
    )
