"""A customer answers profiling chips in a real browser; staff see the answers on the 360° page."""

import pytest
from django.test import Client
from django.urls import reverse

from rapport.core import testing
from rapport.customers.models import Customer
from rapport.customers.tests.factories import reseed

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(transactional_db):
    """Earlier transactional tests flush what migrations seeded (groups, choice lists)."""
    reseed()


def _sign_in(context, user, live_server):
    client = Client()
    # Staff sessions need the second factor the staff entrance would have checked.
    (testing.login_staff if user.is_staff else testing.login_customer)(client, user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_customer_answers_two_chips_dismisses_one_and_staff_see_the_answers(
    seeded, page, browser, live_server, people, artifacts_dir
):
    _sign_in(page.context, people["customer"], live_server)

    page.goto("/account/profile/")
    assert page.evaluate("typeof htmx") == "object"  # the chips below are htmx swaps, no reloads
    question = page.locator("#next-question")
    assert question.get_by_role("heading").inner_text() == "What do you do?"
    question.get_by_role("button", name="Engineer").click()
    page.get_by_role("heading", name="What do you enjoy?").wait_for()
    page.locator("#next-question").get_by_role("button", name="Books").click()
    page.get_by_role(
        "heading", name="When is your birthday? (just the month — for a birthday surprise)"
    ).wait_for()
    page.locator("#next-question").get_by_role("button", name="I'd rather not say").click()
    page.get_by_role("heading", name="How should we address you?").wait_for()
    page.screenshot(path=str(artifacts_dir / "profiling-next-question.png"), full_page=True)

    page.reload()

    assert (
        page.locator("#next-question").get_by_role("heading").inner_text()
        == "How should we address you?"
    )
    assert page.get_by_test_id("occupation").inner_text() == "Engineer"
    assert page.get_by_test_id("interests").inner_text() == "Books"
    ann = Customer.objects.get(user=people["customer"])
    assert ann.profiling_refused == ["birth_month"]

    staff_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    try:
        _sign_in(staff_context, people["employee"], live_server)
        staff_page = staff_context.new_page()
        staff_page.goto(reverse("portal:customer_list"))
        staff_page.get_by_role("link", name="Ann Buyer").click()
        assert staff_page.get_by_test_id("occupation").inner_text() == "Engineer"
        assert staff_page.get_by_test_id("interests").inner_text() == "Books"
        assert "Declined to answer “birthday month”" in staff_page.content()
        staff_page.screenshot(path=str(artifacts_dir / "customer-360.png"), full_page=True)
    finally:
        staff_context.close()
