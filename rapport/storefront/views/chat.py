"""Chat with us: a customer picks an employee (their account manager, a recent helper, or
anyone online) and talks live; when nobody is online a signed-in customer's message becomes a
service ticket. Anonymous visitors may chat too (rate-limited per address)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rapport.accounts.throttle import allow
from rapport.aftersales.errors import AftersalesError
from rapport.aftersales.tickets import open_inquiry
from rapport.chat import queries
from rapport.chat.access import (
    get_room_for_visitor,
    remember_visitor_room,
    rooms_visible_to_visitor,
)
from rapport.chat.models import RoomStatus
from rapport.chat.services import ChatError, rate_chat, start_customer_chat
from rapport.core.audit import client_ip
from rapport.customers.access import get_own_customer

STARTS_PER_HOUR_ANONYMOUS = 5
STARTS_PER_HOUR_CUSTOMER = 20


def _visitor(request: HttpRequest) -> tuple[Any, bool]:
    """(customer record or None, is staff). Staff chat in the portal, not here."""
    user = request.user
    if not user.is_authenticated:
        return None, False
    if user.is_staff:
        return None, True
    try:
        return get_own_customer(user), False
    except Http404:
        return None, False


@require_http_methods(["GET", "POST"])
def chat_start(request: HttpRequest) -> HttpResponse:
    customer, is_staff = _visitor(request)
    if is_staff:
        return redirect("storefront:home")
    helpers = queries.helpers_for(customer)
    error = ""
    status = 200
    if request.method == "POST":
        error, response = _start(request, customer, helpers)
        if response is not None:
            return response
        status = 400
    own = rooms_visible_to_visitor(request.user, request.session).order_by("-id")[:10]
    return render(
        request,
        "storefront/chat/start.html",
        {
            "helpers": helpers,
            "anyone_online": any(h.online for h in helpers),
            "customer": customer,
            "error": error,
            "rooms": own,
            "form": request.POST if request.method == "POST" else {},
        },
        status=status,
    )


def _start(request: HttpRequest, customer: Any, helpers: list[Any]) -> tuple[str, Any]:
    body = request.POST.get("body", "").strip()
    if not body:
        return _("Write a message first."), None
    wanted = request.POST.get("employee", "anyone")
    helper = next((h for h in helpers if str(h.user.pk) == wanted), None)
    if wanted != "anyone" and helper is None:
        return _("Choose one of the people listed, or anyone."), None
    limit = STARTS_PER_HOUR_CUSTOMER if customer is not None else STARTS_PER_HOUR_ANONYMOUS
    key = f"customer:{customer.pk}" if customer is not None else f"ip:{client_ip(request)}"
    if not allow(scope="chat.start", key=key, limit=limit, window=timedelta(hours=1)):
        return _("You have started many conversations: please wait a while."), None
    online = helper.online if helper is not None else any(h.online for h in helpers)
    if not online:
        if customer is None:
            return _(
                "Nobody is online right now. Sign in and your message becomes a service ticket, "
                "or try again later."
            ), None
        try:
            ticket = open_inquiry(
                customer=customer,
                subject=_("Chat message: %(start)s") % {"start": body[:60]},
                body=body,
                actor=request.user,
            )
        except AftersalesError as exc:
            return str(exc), None
        messages.info(request, _("Nobody is online right now: your message is now a ticket."))
        return "", redirect("storefront:ticket_detail", public_id=ticket.public_id)
    label = request.POST.get("name", "").strip()[:80] if customer is None else ""
    try:
        room = start_customer_chat(
            customer=customer,
            requested=helper.user if helper is not None else None,
            body=body,
            actor=request.user,
            visitor_label=label or (_("Visitor") if customer is None else ""),
        )
    except ChatError as exc:
        return str(exc), None
    if customer is None:
        remember_visitor_room(request.session, room)
    return "", redirect("storefront:chat_room", public_id=room.public_id)


def chat_room(request: HttpRequest, public_id: str) -> HttpResponse:
    room = get_room_for_visitor(request.user, request.session, public_id)
    history = queries.recent_messages(room)
    return render(
        request,
        "storefront/chat/room.html",
        {
            "room": room,
            "history": history,
            "last_seq": history[-1].seq if history else 0,
            "socket_url": f"/ws/chat/{room.public_id}/",
            "is_open": room.status != RoomStatus.CLOSED,
            "can_rate": room.customer_id is not None,
        },
    )


@require_POST
def chat_rate(request: HttpRequest, public_id: str) -> HttpResponse:
    room = get_room_for_visitor(request.user, request.session, public_id)
    if room.customer_id is None:
        raise Http404
    try:
        rating = int(request.POST.get("rating", ""))
        rate_chat(
            room=room, actor=request.user, rating=rating, comment=request.POST.get("comment", "")
        )
    except (ValueError, ChatError):
        messages.error(request, _("Choose between one and five stars."))
        return redirect("storefront:chat_room", public_id=room.public_id)
    messages.success(request, _("Thank you for rating this conversation."))
    return redirect("storefront:chat_room", public_id=room.public_id)
