"""The Textual UI driven by its pilot: a partner customer signs in, creates a draft order while
the server is unreachable, sees it waiting in the outbox, reconnects and syncs."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from offlineoffice.ui.app import MainScreen, OfflineOfficeApp, SignInScreen
from offlineoffice.ui.lines import LinesScreen
from textual.widgets import Input, Static

pytestmark = pytest.mark.django_db(transaction=True)

SIZE = (160, 50)


async def settle(pilot) -> None:
    """Wait until the app's workers (sign-in, sync, online check) are done and it is idle."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def until(pilot, predicate, attempts: int = 200) -> None:
    """Wait for a state: let the app process messages until `predicate()` holds."""
    for _ in range(attempts):
        if predicate():
            return
        await settle(pilot)
    raise AssertionError("the app never reached the expected state")


async def click(pilot, selector: str) -> None:
    """Click a widget once it is on screen (a tab's pane is shown after the tab is clicked)."""
    await until(pilot, lambda: _on_screen(pilot.app, selector))
    await pilot.click(selector)


def _on_screen(app, selector: str) -> bool:
    found = app.screen.query(selector)
    return bool(found) and found.first().region.area > 0


async def open_tab(pilot, pane: str) -> None:
    await click(pilot, f"#--content-tab-{pane}")
    await until(pilot, lambda: pilot.app.screen.query_one("#tabs").active == pane)


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)


async def sign_in(office, email: str, password: str) -> None:
    app = OfflineOfficeApp(office)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, SignInScreen)
        app.screen.query_one("#username", Input).value = email
        app.screen.query_one("#password", Input).value = password
        await click(pilot, "#sign-in")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        await until(pilot, lambda: "Synced" in text_of(app, "#sync-state"))
        assert text_of(app, "#who") == "Ann"


async def create_draft_offline(away) -> None:
    app = OfflineOfficeApp(away)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Offline" in text_of(app, "#online")
        await open_tab(pilot, "tab-drafts")
        await click(pilot, "#draft-new")
        await until(pilot, lambda: isinstance(app.screen, LinesScreen))
        app.screen.query_one("#sku", Input).value = "LAMP-1"
        app.screen.query_one("#quantity", Input).value = "4"
        await click(pilot, "#add-line")
        await until(pilot, lambda: app.screen.query_one("#lines").row_count == 1)
        await click(pilot, "#save")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert text_of(app, "#outbox-count") == "Outbox: 1 pending"

        await pilot.press("ctrl+s")  # still offline: nothing is lost, nothing is sent
        await until(pilot, lambda: "Offline:" in text_of(app, "#sync-state"))
        assert text_of(app, "#outbox-count") == "Outbox: 1 pending"
        await open_tab(pilot, "tab-outbox")
        assert app.screen.query_one("#outbox").row_count == 1


async def sync_online(office) -> None:
    app = OfflineOfficeApp(office)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_tab(pilot, "tab-outbox")
        await click(pilot, "#sync")
        await until(pilot, lambda: "Synced" in text_of(app, "#sync-state"))
        assert text_of(app, "#sync-state") == "Synced: 1 applied, 0 conflicts, 0 refused."
        assert text_of(app, "#outbox-count") == "Outbox: 0 pending"
        assert "Online" in text_of(app, "#online")
        assert app.screen.query_one("#drafts").row_count == 1


def run_app(journey: Coroutine[Any, Any, None]) -> None:
    """Run one app session on an event loop of its own, in a thread of its own: a browser test
    that ran earlier in this worker leaves Playwright's loop running on the main thread, where
    `asyncio.run` would refuse to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, journey).result()


def test_partner_creates_a_draft_offline_in_the_ui_and_sync_sends_it(
    enrolled, go_offline, shop, people, password
):
    from rapport.drafts.models import DraftOrder

    office = enrolled("customer", sign_in=False)
    run_app(sign_in(office, people["customer"].email, password))
    run_app(create_draft_offline(go_offline(office)))
    assert not DraftOrder.objects.exists()

    run_app(sync_online(office))
    draft = DraftOrder.objects.get()
    assert draft.customer == shop["ann"]
    assert [(line.product.sku, line.quantity) for line in draft.lines.all()] == [("LAMP-1", 4)]
