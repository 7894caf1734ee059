"""A customer and an employee chat live in two browsers, through the real ASGI app (uvicorn).

Django's live_server speaks WSGI only, so this test starts uvicorn in a thread of the test
process (same test database, same in-memory channel layer). Midway the server is stopped and
started again: the customer's page reconnects and shows what was written meanwhile, once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from django.conf import settings
from django.test import Client

from config.asgi import application
from rapport.chat.models import Room
from rapport.chat.services import post_message
from rapport.core import testing
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

XSS = '<img src=x onerror="document.body.dataset.pwned=1">'


class AsgiServer:
    """uvicorn serving config.asgi in a thread; stop() and start() again on the same port."""

    def __init__(self) -> None:
        self.port = testing.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(
            application, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        assert self.server is not None and self.thread is not None
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def asgi_server(monkeypatch: Any) -> Iterator[AsgiServer]:
    from django.db import connection

    # The server's threads open their own connections: close them after each request and
    # socket call, so none is left on the test database when it is dropped.
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    server = AsgiServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def browser_as(browser: Any, server: AsgiServer, client: Client) -> Any:
    """A browser context carrying the session of a test client (login done server-side)."""
    context = browser.new_context(base_url=server.url, locale="en-GB")
    name = settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": server.url}])
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    return context, tab


def test_customer_and_employee_chat_live(browser, asgi_server, make_user, artifacts_dir):
    from playwright.sync_api import expect

    emma = make_user("emma@staff.example.com", role="Employee", first_name="Emma")
    ann_user = make_user("ann@example.com", first_name="Ann")
    ann = Customer.objects.create(user=ann_user, email=ann_user.email, name="Ann Buyer")
    staff_client, customer_client = Client(), Client()
    testing.login_staff(staff_client, emma)
    testing.login_customer(customer_client, ann_user)
    staff_context, staff = browser_as(browser, asgi_server, staff_client)
    customer_context, customer = browser_as(browser, asgi_server, customer_client)
    try:
        # Emma has the portal's chat page open: she is online.
        staff.goto(f"/{settings.RAPPORT_STAFF_PATH}/chat/")
        expect(staff.locator("[data-chat-socket]")).to_have_attribute("data-state", "online")

        customer.goto("/chat/")
        customer.get_by_label("Emma").check()
        customer.get_by_label("Your message").fill("Is the lantern waterproof?")
        customer.get_by_role("button", name="Start chatting").click()
        expect(customer.locator("[data-chat-socket]")).to_have_attribute("data-state", "online")
        room = Room.objects.get(customer=ann)

        staff.reload()
        staff.get_by_role("link", name="Ann Buyer").click()
        expect(staff.locator(".chat-body")).to_have_text(["Is the lantern waterproof?"])
        expect(staff.locator("[data-chat-socket]")).to_have_attribute("data-synced", "1")
        staff.get_by_label("Message").fill(XSS)
        staff.get_by_role("button", name="Send", exact=True).click()

        # The customer sees the text as text: no element, no script ran.
        expect(customer.locator(".chat-body")).to_have_text(["Is the lantern waterproof?", XSS])
        assert customer.locator(".chat-log img").count() == 0
        assert customer.evaluate("document.body.dataset.pwned") is None

        customer.get_by_label("Message").fill("Thanks!")
        customer.get_by_role("button", name="Send", exact=True).click()
        expect(staff.locator(".chat-body")).to_have_text(
            ["Is the lantern waterproof?", XSS, "Thanks!"]
        )

        # The server goes away; two messages are written meanwhile; the page catches up.
        asgi_server.stop()
        expect(customer.locator("[data-chat-socket]")).not_to_have_attribute("data-state", "online")
        for text in ("Still there?", "Yes, it is."):
            post_message(room=room, actor=emma, body=text, from_staff=True)
        asgi_server.start()
        expect(customer.locator("[data-chat-socket]")).to_have_attribute(
            "data-synced", "5", timeout=30_000
        )
        expect(customer.locator(".chat-body")).to_have_text(
            ["Is the lantern waterproof?", XSS, "Thanks!", "Still there?", "Yes, it is."]
        )
        expect(staff.locator("[data-chat-socket]")).to_have_attribute(
            "data-state", "online", timeout=30_000
        )

        staff.get_by_role("button", name="Close and file the transcript").click()
        expect(customer.locator("[data-chat-closed]")).to_be_visible()
        customer.get_by_label("4", exact=True).check()
        customer.get_by_role("button", name="Rate").click()
        expect(customer.locator(".messages")).to_contain_text("Thank you for rating")
        customer.screenshot(path=str(artifacts_dir / "chat-customer.png"), full_page=True)
    finally:
        staff_context.close()
        customer_context.close()

    room.refresh_from_db()
    assert (room.status, room.rating, room.assignee_id) == ("closed", 4, emma.pk)
    transcript = AuditEntry.objects.get(action="chat.transcript", customer=ann)
    assert [m["body"] for m in transcript.data["messages"]] == [
        "Is the lantern waterproof?",
        XSS,
        "Thanks!",
        "Still there?",
        "Yes, it is.",
    ]
