"""Chat pages of the store and the portal: who gets what, starting a chat, XSS, tickets."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rapport.aftersales.models import Coverage, ServiceTicket
from rapport.chat.models import Presence, Room, RoomKind
from rapport.chat.services import post_message, start_customer_chat, team_room
from rapport.core.testing import (
    ALLOW,
    NOT_FOUND,
    REDIRECT_HOME,
    STAFF_ONLY,
    Row,
    check_matrix,
    expect,
    redirect_to,
)
from rapport.customers.models import Customer
from rapport.workspace.models import Team

pytestmark = pytest.mark.django_db

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def online(user, name="c1"):
    Presence.objects.create(user=user, channel_name=name, seen_at=timezone.now())


@pytest.fixture
def objects(people):
    ann = Customer.objects.get(user=people["customer"])
    room = start_customer_chat(customer=ann, requested=None, body="hi", actor=people["customer"])
    team = Team.objects.create(name="Desk")
    team.members.add(people["employee"])
    return {"room": room, "team": team, "team_room": team_room(team=team)}


def test_permission_matrix(people, clients, objects):
    room, team_room_ = objects["room"], objects["team_room"]
    room_url = reverse("portal:chat_room", args=[room.public_id])
    team_url = reverse("portal:chat_room", args=[team_room_.public_id])
    customer_room_url = reverse("storefront:chat_room", args=[room.public_id])
    # The direct room of the employee and the manager (either of them may open it).
    rows = [
        Row(
            "storefront:chat",
            reverse("storefront:chat"),
            expect(non_staff=ALLOW, staff=REDIRECT_HOME),
        ),
        Row(
            "storefront:chat_room",
            customer_room_url,
            expect(everyone=NOT_FOUND, customer=ALLOW),
        ),
        Row(
            "storefront:chat_rate",
            reverse("storefront:chat_rate", args=[room.public_id]),
            expect(everyone=NOT_FOUND, customer=redirect_to(customer_room_url)),
            method="post",
            data={"rating": "5"},
        ),
        Row("portal:chat", reverse("portal:chat"), expect(**STAFF_ONLY)),
        Row("portal:chat_room", room_url, expect(**STAFF_ONLY)),
        Row(
            "portal:chat_room (another team's room)",
            team_url,
            expect(non_staff=REDIRECT_HOME, employee=ALLOW, manager=NOT_FOUND),
        ),
        Row(
            "portal:chat_team",
            reverse("portal:chat_team", args=[objects["team"].public_id]),
            expect(non_staff=REDIRECT_HOME, employee=redirect_to(team_url), manager=NOT_FOUND),
            method="post",
        ),
        Row(
            "portal:chat_action",
            reverse("portal:chat_action", args=[room.public_id, "take"]),
            expect(non_staff=REDIRECT_HOME, staff=redirect_to(room_url)),
            method="post",
        ),
    ]
    assert check_matrix(rows, clients, objects) == []
    direct = reverse("portal:chat_direct")
    for actor, other in (("employee", "manager"), ("manager", "employee")):
        response = clients[actor].post(direct, {"to": people[other].pk})
        assert response.status_code == 302
    direct_rows = [
        Row(
            "portal:chat_direct",
            direct,
            expect(non_staff=REDIRECT_HOME, staff=NOT_FOUND),
            method="post",
            data={"to": "999999"},
        )
    ]
    assert check_matrix(direct_rows, clients, objects) == []
    assert Room.objects.filter(kind=RoomKind.DIRECT).count() == 1
    assert Room.objects.get(pk=room.pk).assignee_id == people["employee"].pk


def test_chat_text_is_escaped_on_every_page(people, clients):
    ann = Customer.objects.get(user=people["customer"])
    room = start_customer_chat(customer=ann, requested=None, body=XSS, actor=people["customer"])
    post_message(room=room, actor=people["employee"], body=XSS, from_staff=True)
    pages = [
        clients["customer"].get(reverse("storefront:chat_room", args=[room.public_id])),
        clients["employee"].get(reverse("portal:chat_room", args=[room.public_id])),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2


def test_a_signed_in_customer_with_nobody_online_leaves_a_ticket(people, clients):
    response = clients["customer"].post(
        reverse("storefront:chat"), {"employee": "anyone", "body": "Where is my parcel?"}
    )
    ticket = ServiceTicket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("storefront:ticket_detail", args=[ticket.public_id])
    assert (ticket.coverage, ticket.order_line, ticket.customer.user) == (
        Coverage.INQUIRY,
        None,
        people["customer"],
    )
    assert ticket.messages.get().body == "Where is my parcel?"
    assert not Room.objects.exists()
    assert clients["customer"].get(response["Location"]).status_code == 200
    staff_page = clients["employee"].get(reverse("portal:ticket_detail", args=[ticket.public_id]))
    assert staff_page.status_code == 200


def test_an_anonymous_visitor_with_nobody_online_is_told_and_nothing_is_written(clients):
    response = clients["anonymous"].post(reverse("storefront:chat"), {"body": "hello?"})
    assert response.status_code == 400
    assert "Nobody is online" in response.content.decode()
    assert not Room.objects.exists() and not ServiceTicket.objects.exists()


def test_an_anonymous_visitor_chats_and_only_their_session_reads_it(people):
    online(people["employee"])
    visitor, stranger = Client(), Client()
    response = visitor.post(reverse("storefront:chat"), {"body": "hello", "name": "Zoe"})
    room = Room.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("storefront:chat_room", args=[room.public_id])
    assert (room.customer, room.visitor_label, room.status) == (None, "Zoe", "waiting")
    assert visitor.get(response["Location"]).status_code == 200
    assert stranger.get(response["Location"]).status_code == 404


def test_anonymous_visitors_are_rate_limited(people):
    online(people["employee"])
    visitor = Client()
    codes = [
        visitor.post(reverse("storefront:chat"), {"body": f"hello {i}"}).status_code
        for i in range(7)
    ]
    assert codes == [302] * 5 + [400, 400]
    assert Room.objects.count() == 5


def test_a_customer_picks_a_listed_employee_only(people, clients, make_user):
    from rapport.accounts.roles import EMPLOYEE

    online(people["employee"])
    hidden = make_user("hidden@staff.example.com", role=EMPLOYEE)  # offline, never helped Ann
    refused = clients["customer"].post(
        reverse("storefront:chat"), {"employee": str(hidden.pk), "body": "hi"}
    )
    assert refused.status_code == 400 and not Room.objects.exists()
    chosen = clients["customer"].post(
        reverse("storefront:chat"), {"employee": str(people["employee"].pk), "body": "hi"}
    )
    room = Room.objects.get()
    assert chosen.status_code == 302
    assert room.requested_id == people["employee"].pk
    assert room.memberships.filter(user=people["employee"]).exists()
