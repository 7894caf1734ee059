"""A manager opens the market-trends report, changes the period, exports CSV, then opens the
order-risk queue and approves a held order (real Chromium; ECharts drawn from the page's JSON)."""

import datetime
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rapport.analytics.rollups import rebuild_all
from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.core import testing
from rapport.customers.models import Customer
from rapport.risk.models import ReviewStatus, RiskAssessment, RiskSettings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(context, user, live_server):
    client = Client()
    testing.login_staff(client, user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_manager_reads_trends_exports_csv_and_approves_a_held_order(
    page, live_server, people, artifacts_dir
):
    RiskSettings.objects.update_or_create(pk=1, defaults={"hold_threshold": 10})
    ann = Customer.objects.get(user=people["customer"])
    lantern = stocked_product(quantity=20, price="12.50", name="MOROCCAN METAL LANTERN")
    order = place_order(
        cart=cart_with(people["customer"], (lantern, 2)),
        customer=ann,
        address=address_for(ann),
        shipping_method="express",
        payment_method="cod",
        idempotency_key="e2e-risk",
        actor=people["customer"],
    )
    rebuild_all()
    today = timezone.now().date()
    _sign_in(page.context, people["manager"], live_server)

    page.goto(reverse("portal:reports"))
    page.get_by_role("link", name="Market trends").click()
    page.locator("#report-chart[data-drawn='1']").wait_for()
    start = (today - datetime.timedelta(days=6)).isoformat()
    page.get_by_label("From").fill(start)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**start={start}**")
    assert "MOROCCAN METAL LANTERN" in page.get_by_test_id("report-table").nth(2).inner_text()
    page.screenshot(path=str(artifacts_dir / "report-trends.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("By category")
    assert "MOROCCAN METAL LANTERN" in text

    page.locator(".nav-group > summary", has_text="Insights").click()  # the grouped menu
    page.get_by_role("link", name="Order risk").click()
    page.get_by_role("link", name=order.number).click()
    assert (
        "Express shipping on the customer's first order."
        in page.get_by_test_id("fraud-reasons").inner_text()
    )
    page.get_by_role("button", name="Approve").click()
    page.get_by_test_id("risk-status").filter(has_text="Approved").wait_for()
    assert RiskAssessment.objects.get(order=order).status == ReviewStatus.APPROVED
    page.screenshot(path=str(artifacts_dir / "risk-approved.png"), full_page=True)
