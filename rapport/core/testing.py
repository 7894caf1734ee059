"""Test helpers shared by every app's tests (imported only from tests).

The permission matrix: every URL a later issue adds gets one row saying what each kind of person
gets there. `ACTORS` are the five people every endpoint is checked against.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from django.test import Client

ACTORS = ("anonymous", "customer", "other_customer", "employee", "manager")

ALLOW = 200
REDIRECT_HOME = "home"  # sent to the storefront home, learning nothing (staff pages)
REDIRECT_LOGIN = "login"  # sent to the customer login
FORBIDDEN = 403
NOT_FOUND = 404


GROUPS = {
    "everyone": ACTORS,
    "customers": ("customer", "other_customer"),
    "staff": ("employee", "manager"),
    "non_staff": ("anonymous", "customer", "other_customer"),
    "non_managers": ("anonymous", "customer", "other_customer", "employee"),
    "signed_in": ("customer", "other_customer", "employee", "manager"),
}


def expect(**outcomes: int | str) -> dict[str, int | str]:
    """Build a row's expectations from groups, later keys winning, e.g.
    `expect(everyone=REDIRECT_HOME, manager=ALLOW)` or `expect(non_staff=REDIRECT_HOME, staff=200)`.
    """
    result: dict[str, int | str] = {}
    for key, value in outcomes.items():
        for actor in GROUPS.get(key, (key,)):
            if actor not in ACTORS:
                raise ValueError(f"unknown actor or group {key!r}")
            result[actor] = value
    return result


def redirect_to(url: str) -> str:
    """The outcome of a redirect somewhere other than home or the login."""
    return f"redirect:{url}"


STAFF_ONLY = {"non_staff": REDIRECT_HOME, "staff": ALLOW}
MANAGER_ONLY = {"non_managers": REDIRECT_HOME, "manager": ALLOW}
CUSTOMER_ONLY = {"anonymous": REDIRECT_LOGIN, "customers": ALLOW, "staff": REDIRECT_HOME}


def signed_in_only(outcome: int | str) -> dict[str, int | str]:
    """Anyone signed in (customers and staff) gets `outcome`; anonymous is sent to the login.
    E.g. `expect(**signed_in_only(redirect_to(url)), other_customer=FORBIDDEN)`."""
    return {"anonymous": REDIRECT_LOGIN, "signed_in": outcome}


@dataclass
class Row:
    """One URL and what each actor must get: a status code, or REDIRECT_HOME / REDIRECT_LOGIN."""

    name: str
    url: str | Callable[[dict[str, Any]], str]
    expect: dict[str, int | str]
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    content_type: str | None = None  # e.g. "application/json" for the API's bodies


def outcome(response: Any) -> int | str:
    """Reduce a response to what the matrix compares: a code, or where a redirect leads."""
    from django.conf import settings
    from django.shortcuts import resolve_url
    from django.urls import reverse

    if response.status_code in (301, 302, 303):
        location = response["Location"].split("?")[0]
        if location == reverse("storefront:home"):
            return REDIRECT_HOME
        if location == resolve_url(settings.LOGIN_URL):
            return REDIRECT_LOGIN
        return f"redirect:{location}"
    return int(response.status_code)


def check_matrix(rows: list[Row], clients: dict[str, Client], objects: dict[str, Any]) -> list[str]:
    """Run every row for every actor; return a list of mismatches (empty means all good)."""
    problems: list[str] = []
    for row in rows:
        url = row.url(objects) if callable(row.url) else row.url
        for actor in ACTORS:
            if actor not in row.expect:
                problems.append(f"{row.name}: no expectation for {actor}")
                continue
            extra = {"content_type": row.content_type} if row.content_type else {}
            response = getattr(clients[actor], row.method)(url, data=row.data, **extra)
            got = outcome(response)
            if got != row.expect[actor]:
                problems.append(
                    f"{row.name} [{actor}] {url}: expected {row.expect[actor]}, got {got}"
                )
    return problems


def login_customer(client: Client, user: Any) -> None:
    from rapport.accounts.sessions import BACKEND

    client.force_login(user, backend=BACKEND)


def login_staff(client: Client, user: Any) -> None:
    """Log a staff user in as the staff entrance would, second factor included: a confirmed
    TOTP device bound to the session and a fresh idle-timeout stamp."""
    import time

    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from rapport.accounts.sessions import BACKEND, STAFF_SEEN_KEY

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client.force_login(user, backend=BACKEND)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[STAFF_SEEN_KEY] = time.time()
    session.save()


def login_staff_without_second_factor(client: Client, user: Any) -> None:
    """A staff session that skipped the second factor (must get nowhere in the portal)."""
    from rapport.accounts.sessions import BACKEND

    client.force_login(user, backend=BACKEND)


# --- Concurrency tests (PostgreSQL) ---------------------------------------------------------

POSTGRES_ONLY = "Concurrency needs PostgreSQL row locks: run with DATABASE_URL=postgres://…"


def skip_unless_postgres() -> None:
    """Concurrency tests prove row locks; SQLite serialises every writer, so they skip there."""
    import pytest
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(POSTGRES_ONLY)


def run_concurrently(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` for i in 0..n-1 on n threads released together by a barrier, each with its
    own database connection; returns each call's result or the exception it raised."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def runner(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # each outcome is asserted by the caller
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    # Eager Celery tasks save and restore a process-wide "joining would block" flag around each
    # run (`denied_join_result`); interleaved across threads they can leave it set, and a later
    # test's `task.apply().get()` in this process would then refuse to run.
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    return results


def free_port() -> int:
    """A loopback TCP port nobody listens on (for a test server, or as an unreachable one)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def smtp_mailers(port: int, *, timeout: int = 5) -> dict[str, Any]:
    """MAILERS sending over SMTP to 127.0.0.1:`port` (a test server, or a closed port)."""
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": timeout},
        }
    }


class Mailbox:
    """Messages received by the test SMTP server, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]
