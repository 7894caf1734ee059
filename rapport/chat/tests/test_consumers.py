"""The websocket consumers through the real ASGI stack (origin check, session, auth)."""

from __future__ import annotations

import time

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import Client

from rapport.accounts.sessions import STAFF_SEEN_KEY
from rapport.chat.models import Message, Presence, Room
from rapport.chat.services import open_direct_room, post_message, start_customer_chat, team_room
from rapport.chat.tests.helpers import (
    cookie_of,
    frames_until,
    next_of,
    open_socket,
    staff_path,
    visitor_path,
)
from rapport.core import testing
from rapport.customers.models import Customer
from rapport.workspace.models import Team

pytestmark = pytest.mark.django_db(transaction=True)


def staff_cookie(user) -> str:
    client = Client()
    testing.login_staff(client, user)
    return cookie_of(client)


def customer_cookie(user) -> str:
    client = Client()
    testing.login_customer(client, user)
    return cookie_of(client)


def test_staff_socket_accepts_a_verified_fresh_staff_session(people):
    cookie = staff_cookie(people["employee"])

    async def run():
        socket, connected, _ = await open_socket(staff_path(), cookie)
        assert connected
        await socket.send_json_to({"type": "ping"})
        assert (await next_of(socket, "pong")) == {"type": "pong"}
        await socket.disconnect()

    async_to_sync(run)()


def test_staff_socket_refuses_everyone_else(people, settings):
    def cookie(who):
        client = Client()
        if who == "customer":
            testing.login_customer(client, people["customer"])
        elif who == "no_second_factor":
            testing.login_staff_without_second_factor(client, people["employee"])
        elif who in ("idle", "origin"):
            testing.login_staff(client, people["employee"])
        if who == "idle":
            session = client.session
            session[STAFF_SEEN_KEY] = time.time() - settings.RAPPORT_STAFF_IDLE_MINUTES * 60 - 5
            session.save()
        return cookie_of(client)

    cases = {
        who: (cookie(who), "http://evil.example.com" if who == "origin" else "http://testserver")
        for who in ("anonymous", "customer", "no_second_factor", "idle", "origin")
    }

    async def run():
        outcome = {}
        for who, (cookie_value, origin) in cases.items():
            socket, connected, _ = await open_socket(staff_path(), cookie_value, origin)
            outcome[who] = connected
            await socket.disconnect()
        return outcome

    assert async_to_sync(run)() == dict.fromkeys(cases, False)
    assert not Presence.objects.exists()


def test_a_message_reaches_the_other_member_with_its_number(people):
    emma, max_ = people["employee"], people["manager"]
    room = open_direct_room(actor=emma, other=max_)
    cookie_emma, cookie_max = staff_cookie(emma), staff_cookie(max_)

    async def run():
        a, ok_a, _ = await open_socket(staff_path(), cookie_emma)
        b, ok_b, _ = await open_socket(staff_path(), cookie_max)
        assert ok_a and ok_b
        await b.send_json_to({"type": "sync", "room": str(room.public_id), "after": 0})
        await next_of(b, "synced")
        await a.send_json_to(
            {"type": "send", "room": str(room.public_id), "body": "hello", "ref": 1}
        )
        assert (await next_of(a, "sent"))["seq"] == 1
        got = await next_of(b, "message")
        assert (got["seq"], got["body"], got["from_staff"]) == (1, "hello", True)
        await a.disconnect()
        await b.disconnect()

    async_to_sync(run)()
    assert list(Message.objects.filter(room=room).values_list("seq", "body")) == [(1, "hello")]


def test_a_reconnecting_client_gets_exactly_what_it_missed(people):
    emma, max_ = people["employee"], people["manager"]
    room = open_direct_room(actor=emma, other=max_)
    post_message(room=room, actor=emma, body="one", from_staff=True)
    cookie_max = staff_cookie(max_)

    async def run():
        # Max saw message 1, then went away while three more were written.
        for text in ("two", "three", "four"):
            await database_sync_to_async(post_message)(
                room=room, actor=emma, body=text, from_staff=True
            )
        b, ok, _ = await open_socket(staff_path(), cookie_max)
        assert ok
        await b.send_json_to({"type": "sync", "room": str(room.public_id), "after": 1})
        frames = await frames_until(b, "synced")
        await b.disconnect()
        return frames

    frames = async_to_sync(run)()
    messages = [(f["seq"], f["body"]) for f in frames if f["type"] == "message"]
    assert messages == [(2, "two"), (3, "three"), (4, "four")]
    assert frames[-1]["last_seq"] == 4


def test_an_employee_cannot_read_another_teams_room(people, make_user):
    from rapport.accounts.roles import EMPLOYEE

    outsider = make_user("olga@staff.example.com", role=EMPLOYEE)
    team = Team.objects.create(name="Returns desk")
    team.members.add(people["employee"], people["manager"])
    room = team_room(team=team)
    post_message(room=room, actor=people["employee"], body="team secret", from_staff=True)
    cookie = staff_cookie(outsider)

    async def run():
        socket, ok, _ = await open_socket(staff_path(), cookie)
        assert ok
        await socket.send_json_to({"type": "sync", "room": str(room.public_id), "after": 0})
        refused = await next_of(socket, "error")
        await socket.send_json_to(
            {"type": "send", "room": str(room.public_id), "body": "let me in", "ref": 7}
        )
        refused_send = await next_of(socket, "error")
        await socket.disconnect()
        return refused, refused_send

    refused, refused_send = async_to_sync(run)()
    assert refused == {"type": "error", "ref": None, "error": "room"}
    assert refused_send == {"type": "error", "ref": 7, "error": "room"}
    assert list(room.messages.values_list("body", flat=True)) == ["team secret"]


def test_a_team_member_reads_the_team_room(people):
    team = Team.objects.create(name="Sales")
    team.members.add(people["employee"])
    room = team_room(team=team)
    post_message(room=room, actor=people["employee"], body="morning", from_staff=True)
    cookie = staff_cookie(people["employee"])

    async def run():
        socket, ok, _ = await open_socket(staff_path(), cookie)
        assert ok
        await socket.send_json_to({"type": "sync", "room": str(room.public_id), "after": 0})
        frames = await frames_until(socket, "synced")
        await socket.disconnect()
        return frames

    assert [f["body"] for f in async_to_sync(run)() if f["type"] == "message"] == ["morning"]


def test_a_customer_cannot_open_another_customers_chat(people):
    ann = Customer.objects.get(user=people["customer"])
    room = start_customer_chat(
        customer=ann, requested=None, body="my address is 1 Secret Lane", actor=people["customer"]
    )
    cookie_bob = customer_cookie(people["other_customer"])
    cookie_ann = customer_cookie(people["customer"])

    async def run():
        bob, ok_bob, _ = await open_socket(visitor_path(room), cookie_bob)
        anon, ok_anon, _ = await open_socket(visitor_path(room))
        ann_socket, ok_ann, _ = await open_socket(visitor_path(room), cookie_ann)
        await ann_socket.send_json_to({"type": "sync", "after": 0})
        frames = await frames_until(ann_socket, "synced")
        for socket in (bob, anon, ann_socket):
            await socket.disconnect()
        return ok_bob, ok_anon, ok_ann, frames

    ok_bob, ok_anon, ok_ann, frames = async_to_sync(run)()
    assert (ok_bob, ok_anon, ok_ann) == (False, False, True)
    assert [f["body"] for f in frames if f["type"] == "message"] == ["my address is 1 Secret Lane"]


def test_customer_and_employee_talk_and_the_waiting_chat_is_taken(people):
    ann = Customer.objects.get(user=people["customer"])
    room = start_customer_chat(
        customer=ann, requested=None, body="is it waterproof?", actor=people["customer"]
    )
    cookie_ann, cookie_emma = customer_cookie(people["customer"]), staff_cookie(people["employee"])

    async def run():
        ann_socket, _, _ = await open_socket(visitor_path(room), cookie_ann)
        emma, _, _ = await open_socket(staff_path(), cookie_emma)
        await emma.send_json_to({"type": "sync", "room": str(room.public_id), "after": 0})
        await next_of(emma, "synced")
        await ann_socket.send_json_to({"type": "sync", "after": 1})
        await next_of(ann_socket, "synced")
        await emma.send_json_to({"type": "send", "room": str(room.public_id), "body": "Yes!"})
        reply = await next_of(ann_socket, "message")
        await ann_socket.send_json_to({"type": "send", "body": "thanks"})
        back = await next_of(emma, "message")
        if back["body"] == "Yes!":  # her own message comes back to her tab first
            back = await next_of(emma, "message")
        for socket in (ann_socket, emma):
            await socket.disconnect()
        return reply, back

    reply, back = async_to_sync(run)()
    assert (reply["seq"], reply["body"], reply["from_staff"]) == (2, "Yes!", True)
    assert (back["seq"], back["body"], back["from_staff"]) == (3, "thanks", False)
    room = Room.objects.get(pk=room.pk)
    assert (room.status, room.assignee_id) == ("open", people["employee"].pk)


def test_a_flood_of_messages_is_slowed_down(people):
    room = open_direct_room(actor=people["employee"], other=people["manager"])
    cookie = staff_cookie(people["employee"])

    async def run():
        socket, _, _ = await open_socket(staff_path(), cookie)
        answers = []
        for i in range(15):
            await socket.send_json_to(
                {"type": "send", "room": str(room.public_id), "body": f"m{i}", "ref": i}
            )
            answers.append(await socket.receive_json_from(timeout=5))
            while answers[-1]["type"] not in ("sent", "error"):
                answers[-1] = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return answers

    answers = async_to_sync(run)()
    sent = [a for a in answers if a["type"] == "sent"]
    assert len(sent) < 15
    assert any(a == {"type": "error", "ref": a["ref"], "error": "slow down"} for a in answers)
    assert room.messages.count() == len(sent)
