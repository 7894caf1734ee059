"""Fixtures shared by the whole suite: people, a real SMTP server, a real browser."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from rapport.accounts.roles import EMPLOYEE, MANAGER
from rapport.core import testing
from rapport.core.testing import Mailbox

PASSWORD = "correct horse battery staple 42"  # noqa: S105

# Property tests explore new examples on developers' machines; CI replays a fixed sequence, so a
# run there is reproducible (an example found locally still fails in CI once it is a bug).
# Data generation speed depends on how busy the machine is (two cores shared by the whole suite),
# not on the code: no "too slow" health check and no per-example deadline (tests assert
# behaviour, never time; speed lives in bench/).
hypothesis_settings.register_profile(
    "shared-machine", suppress_health_check=[HealthCheck.too_slow], deadline=None
)
hypothesis_settings.register_profile(
    "ci",
    parent=hypothesis_settings.get_profile("shared-machine"),
    derandomize=True,
    print_blob=True,
)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "shared-machine")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Each test starts with an empty cache: cached page fragments must not leak between tests
    (nor the country counts order scoring keeps in the process)."""
    from django.core.cache import cache

    from rapport.risk.store import forget_country_counts

    cache.clear()
    forget_country_counts()
    yield


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a request in Chinese leaves its language active
    in the thread, and data made afterwards (e.g. a shipping method's name) would be Chinese."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def make_user(db: Any):
    from rapport.accounts.models import User

    def make(email: str, *, role: str | None = None, **extra: Any) -> User:
        user = User.objects.create_user(email=email, password=PASSWORD, **extra)
        if role is not None:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            # get_or_create: transactional tests flush the groups the data migration made.
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    return make


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    """The five actors of the permission matrix (anonymous has no user)."""
    from rapport.customers.models import Customer

    customer = make_user("ann@example.com", first_name="Ann")
    other = make_user("bob@example.com", first_name="Bob")
    Customer.objects.create(user=customer, email=customer.email, name="Ann Buyer")
    Customer.objects.create(user=other, email=other.email, name="Bob Other")
    return {
        "anonymous": None,
        "customer": customer,
        "other_customer": other,
        "employee": make_user("emma@staff.example.com", role=EMPLOYEE),
        "manager": make_user("max@staff.example.com", role=MANAGER),
    }


@pytest.fixture
def clients(people: dict[str, Any]) -> dict[str, Any]:
    from django.test import Client

    result = {}
    for actor, user in people.items():
        client = Client()
        if user is not None:
            if user.is_staff:
                testing.login_staff(client, user)
            else:
                testing.login_customer(client, user)
        result[actor] = client
    return result


# --- A real SMTP server (aiosmtpd) ------------------------------------------------------------


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Mailbox]:
    """A real SMTP server on a free loopback port; Django's SMTP backend talks to it."""
    from aiosmtpd.controller import Controller

    from rapport.core.testing import free_port, smtp_mailers

    mailbox = Mailbox()
    port = mailbox.port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = smtp_mailers(port)
    try:
        yield mailbox
    finally:
        controller.stop()


# --- A real browser (Playwright driving Debian's Chromium) -----------------------------------

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = os.environ.get("RAPPORT_CHROMIUM") or shutil.which("chromium") or ""
    if not path:
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium package.")
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; Django's live-server ORM calls in
    # the test body are synchronous and safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    if delay := float(os.environ.get("RAPPORT_E2E_SLOW_SCRIPTS", "0")):
        # A race finder (README): every script arrives `delay` seconds late, so a test
        # that acts before htmx has loaded fails every time instead of once in a while in CI.
        def late_script(route: Any) -> None:
            time.sleep(delay)
            route.continue_()

        tab.route("**/*.js", late_script)
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def artifacts_dir() -> Any:
    path = settings.BASE_DIR / "var" / "test-artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path
