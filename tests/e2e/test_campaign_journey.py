"""A manager composes a campaign for a segment, previews it, sends it, and after the customer
clicks and buys, the report shows the attributed purchase (real Chromium)."""

import re
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from rapport.campaigns.tests.factories import order_on
from rapport.checkout.tests.factories import stocked_product
from rapport.core import testing
from rapport.customers.models import Customer
from rapport.customers.tests.factories import reseed, with_email
from rapport.messaging import tokens
from rapport.messaging.models import Message
from rapport.segments.models import Segment, SegmentMembership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(transactional_db, settings):
    reseed()
    settings.RAPPORT_QUIET_HOURS_START = settings.RAPPORT_QUIET_HOURS_END = 0


def _sign_in(context, user, live_server):
    client = Client()
    testing.login_staff(client, user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_manager_composes_previews_sends_and_reads_the_report_after_a_purchase(
    seeded, browser, live_server, people, artifacts_dir, settings
):
    settings.RAPPORT_SITE_URL = live_server.url  # links in the mail lead to this server
    ann = Customer.objects.get(user=people["customer"])
    with_email(ann)
    segment = Segment.objects.create(name="Tea lovers", kind="static")
    SegmentMembership.objects.create(segment=segment, customer=ann)
    teapot = stocked_product(name="BLUE TEAPOT", sku="TEA-1", price="24.00")

    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    try:
        _sign_in(context, people["manager"], live_server)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(reverse("portal:campaigns"))
        page.get_by_role("link", name="New campaign").click()
        page.locator("#id_name").fill("Autumn tea")
        page.locator("#id_audience_kind").select_option("segment")
        page.locator("#id_segment").select_option(label="Tea lovers")
        page.locator("#id_subject_a").fill("Tea time, {name}")
        page.locator("#id_body_a").fill("A new teapot for the autumn.")
        page.locator("#id_product_skus").fill("TEA-1")
        page.locator("#id_control_percent").fill("0")
        page.get_by_role("button", name="Save campaign").click()
        expect(page.get_by_test_id("campaign-status")).to_have_text("Draft")

        page.get_by_role("link", name="Preview for a recipient").click()
        page.locator("input[name=customer]").fill("ann@example.com")
        page.get_by_role("button", name="Show").click()
        expect(page.get_by_test_id("preview-subject")).to_have_text("Tea time, Ann Buyer")
        expect(page.get_by_test_id("preview-text")).to_contain_text("BLUE TEAPOT")
        page.get_by_role("link", name="Back to the campaign").click()

        page.get_by_test_id("send-campaign").click()
        expect(page.get_by_test_id("report-mailed")).to_have_text("1")

        # Ann follows the teapot link in her mail (the signed click redirect), then buys.
        message = Message.objects.get(customer=ann)
        paths = [
            urlparse(u).path for u in re.findall(r'href="([^"]*/m/c/[^"]+)"', message.body_html)
        ]
        [to_teapot] = [p for p in paths if "/p/" in tokens.read_click(p.split("/")[-2])[1]]
        shop = context.new_page()  # the signed token, not the session, is what counts here
        shop.goto(to_teapot)
        expect(shop.get_by_role("heading", level=1)).to_have_text("Blue Teapot")
        shop.close()
        order_on(ann, timezone.now(), [teapot], total="24.00")

        page.reload()
        expect(page.get_by_test_id("report-clicked")).to_have_text("1")
        expect(page.get_by_test_id("report-bought")).to_have_text("1")
        expect(page.get_by_test_id("report-revenue")).to_contain_text("24")
        page.screenshot(path=str(artifacts_dir / "campaign-report.png"), full_page=True)
    finally:
        context.close()
