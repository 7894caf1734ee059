"""Staff chat: rooms with colleagues and teams, customer conversations (take, hand over,
close). Messages themselves travel over the websocket (`rapport.chat.consumers`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rapport.accounts.models import User
from rapport.chat import queries
from rapport.chat.access import get_room_for_staff
from rapport.chat.models import RoomKind, RoomStatus
from rapport.chat.services import (
    ChatError,
    close_chat,
    hand_over_chat,
    open_direct_room,
    take_chat,
    team_room,
)
from rapport.core.access import employee_required
from rapport.workspace.access import get_team_for_member


def staff_socket_url() -> str:
    return f"/{settings.RAPPORT_STAFF_PATH}/ws/chat/"


def _colleague(request: HttpRequest) -> Any:
    try:
        return (
            queries.staff_users()
            .exclude(pk=_me(request).pk)
            .get(pk=int(request.POST.get("to", "") or 0))
        )
    except (ValueError, User.DoesNotExist) as exc:
        raise Http404("No such colleague") from exc


def _me(request: HttpRequest) -> User:
    """The signed-in staff member (the decorators let nobody else through)."""
    assert isinstance(request.user, User)
    return request.user


@employee_required
def chat_home(request: HttpRequest) -> HttpResponse:
    online = queries.online_staff_ids()
    colleagues = [(u, u.pk in online) for u in queries.staff_users().exclude(pk=_me(request).pk)]
    return render(
        request,
        "portal/chat/home.html",
        {
            "rooms": queries.staff_rooms(request.user),
            "colleagues": colleagues,
            "teams": _me(request).teams.all(),
            "socket_url": staff_socket_url(),
        },
    )


@employee_required
def chat_room(request: HttpRequest, public_id: str) -> HttpResponse:
    room = get_room_for_staff(request.user, public_id)
    history = queries.recent_messages(room)
    colleagues = queries.staff_users().exclude(pk=_me(request).pk)
    return render(
        request,
        "portal/chat/room.html",
        {
            "room": room,
            "history": history,
            "last_seq": history[-1].seq if history else 0,
            "socket_url": staff_socket_url(),
            "is_customer_room": room.kind == RoomKind.CUSTOMER,
            "is_open": room.status != RoomStatus.CLOSED,
            "colleagues": colleagues,
        },
    )


@employee_required
@require_POST
def chat_direct(request: HttpRequest) -> HttpResponse:
    try:
        room = open_direct_room(actor=request.user, other=_colleague(request))
    except ChatError as exc:
        messages.error(request, str(exc))
        return redirect("portal:chat")
    return redirect("portal:chat_room", public_id=room.public_id)


@employee_required
@require_POST
def chat_team(request: HttpRequest, public_id: str) -> HttpResponse:
    team = get_team_for_member(request.user, public_id)
    room = team_room(team=team)
    return redirect("portal:chat_room", public_id=room.public_id)


@employee_required
@require_POST
def chat_action(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    room = get_room_for_staff(request.user, public_id)
    if room.kind != RoomKind.CUSTOMER or action not in ("take", "handover", "close"):
        raise Http404
    try:
        if action == "take":
            take_chat(room=room, actor=request.user)
        elif action == "handover":
            hand_over_chat(room=room, actor=request.user, to=_colleague(request))
        else:
            close_chat(room=room, actor=request.user)
    except ChatError as exc:
        messages.error(request, str(exc))
    return redirect("portal:chat_room", public_id=room.public_id)
