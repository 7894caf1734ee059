"""Two customers in different segments see different home pages (real Chromium)."""

import pytest

from rapport.accounts.models import User
from rapport.customers.models import Customer
from rapport.customers.tests.factories import reseed
from rapport.segments.models import BlockKind, SegmentKind
from rapport.segments.services import add_block, add_static_members, save_segment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page, email, password):
    page.goto("/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_two_segments_two_home_pages(browser, live_server, make_user, password, artifacts_dir):
    reseed()
    people = {}
    for email, name in (("pia@example.com", "Pia Party"), ("ben@example.com", "Ben Baker")):
        user = make_user(email)
        people[email] = Customer.objects.create(user=user, email=email, name=name)
    for seg_name, email, hero in (
        ("Party planners", "pia@example.com", "Your next party starts here"),
        ("Bakers", "ben@example.com", "Bake something lovely"),
    ):
        segment = save_segment(actor=None, name=seg_name, kind=SegmentKind.STATIC)
        add_static_members(actor=None, segment=segment, customers=[people[email]])
        add_block(actor=None, segment=segment, kind=BlockKind.HERO, title=hero)

    seen = {}
    for email in people:
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        _log_in(page, email, password)
        page.goto("/")
        seen[email] = page.get_by_role("heading", level=1).first.inner_text()
        page.screenshot(path=str(artifacts_dir / f"segment-home-{email.split('@')[0]}.png"))
        context.close()

    assert seen == {
        "pia@example.com": "Your next party starts here",
        "ben@example.com": "Bake something lovely",
    }
    assert User.objects.count() == 2
