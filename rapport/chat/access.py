"""Who may read which room: the only way views and consumers fetch rooms.

Staff: direct rooms they belong to, their teams' rooms (checked live against team membership,
so leaving a team closes its room to you), and every customer conversation (the customer
record is shared by every department). Customers: their own conversations; an anonymous
visitor: the conversations this browser session started.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from rapport.accounts.roles import is_employee
from rapport.chat.models import Room, RoomKind

SESSION_ROOMS_KEY = "rapport_chat_rooms"


def rooms_visible_to_staff(user: Any) -> QuerySet[Room]:
    if not is_employee(user):
        return Room.objects.none()
    member = Q(kind=RoomKind.DIRECT, memberships__user=user)
    team = Q(kind=RoomKind.TEAM, team__members=user)
    return Room.objects.filter(member | team | Q(kind=RoomKind.CUSTOMER)).distinct()


def get_room_for_staff(user: Any, public_id: Any) -> Room:
    """The room if this staff member may read it; Http404 otherwise (customers included)."""
    try:
        return rooms_visible_to_staff(user).get(public_id=public_id)
    except (Room.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404("No such room") from exc


def rooms_visible_to_visitor(user: Any, session: Any) -> QuerySet[Room]:
    """A signed-in customer's conversations, or those this anonymous session started."""
    rooms = Room.objects.filter(kind=RoomKind.CUSTOMER)
    if getattr(user, "is_authenticated", False):
        if user.is_staff:
            return Room.objects.none()
        return rooms.filter(customer__user=user)
    started = session.get(SESSION_ROOMS_KEY, []) if session is not None else []
    if not isinstance(started, list) or not started:
        return Room.objects.none()
    return rooms.filter(public_id__in=[str(x) for x in started][:20], customer__isnull=True)


def get_room_for_visitor(user: Any, session: Any, public_id: Any) -> Room:
    try:
        return rooms_visible_to_visitor(user, session).get(public_id=public_id)
    except (Room.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404("No such conversation") from exc


def remember_visitor_room(session: Any, room: Room) -> None:
    """Let this anonymous browser session read the conversation it just started."""
    started = [x for x in session.get(SESSION_ROOMS_KEY, []) if isinstance(x, str)][-19:]
    session[SESSION_ROOMS_KEY] = [*started, str(room.public_id)]


def staff_scope_ok(user: Any, session: Any) -> bool:
    """`core.access.staff_session_ok` for a websocket: the same three rules on the session.

    An employee or manager, whose session holds a confirmed second-factor device of theirs
    (what django-otp's middleware checks for a request), and not idle past
    RAPPORT_STAFF_IDLE_MINUTES. A socket cannot end the session, so an idle one is refused.
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.models import Device

    from rapport.accounts.sessions import STAFF_SEEN_KEY

    if session is None or not is_employee(user):
        return False
    if str(session.get("_auth_user_id", "")) != str(user.pk):
        return False
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    if device is None or device.user_id != user.pk or not getattr(device, "confirmed", False):
        return False
    seen = session.get(STAFF_SEEN_KEY)
    idle = settings.RAPPORT_STAFF_IDLE_MINUTES * 60
    return isinstance(seen, int | float) and time.time() - seen <= idle
