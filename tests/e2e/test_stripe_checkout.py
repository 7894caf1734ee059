"""Paying with Stripe in a real browser: our confirm page hands over to the hosted payment page
(a local stand-in replaying Stripe's recorded responses), the customer comes back, and the order
is paid only when Stripe's signed webhook arrives."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from rapport.checkout.tests.factories import stocked_product
from rapport.customers.models import Customer
from rapport.orders.models import Order, OrderStatus
from rapport.payments.models import PaymentStatus
from rapport.payments.tests.stripe_fake import point_settings_at, running_fake_stripe, signed_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fake(settings, live_server):
    with running_fake_stripe() as fake:
        point_settings_at(settings, fake, methods=("card", "alipay", "wechat_pay"))
        settings.RAPPORT_SITE_URL = live_server.url
        # The confirm form hands over to the hosted page's origin (Stripe's, here the fake's).
        settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": ["'self'", fake.base]}
        fake.settles_later = True  # the webhook, not the browser, says it is paid
        yield fake


def test_pay_on_the_hosted_page_and_the_webhook_marks_the_order_paid(
    page, fake, make_user, password, live_server
):
    lantern = stocked_product(quantity=5, price="12.50", name="MOROCCAN METAL LANTERN")
    user = make_user("clara@example.com", first_name="Clara")
    Customer.objects.create(user=user, email=user.email, name="Clara Shopper")

    page.goto(f"/p/{lantern.public_id}/")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_text("is in your cart").wait_for()
    page.goto("/checkout/")
    page.get_by_label("Email").fill("clara@example.com")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Full name").fill("Clara Shopper")
    page.locator("#id_new-line1").fill("2 Market Square")
    page.get_by_label("Postal code").fill("M1 1AA")
    page.get_by_label("City").fill("Manchester")
    page.get_by_label("Country").fill("United Kingdom")
    page.locator('input[name="payment"][value="card"]').check()
    page.get_by_role("button", name="Continue to verify").click()

    # No card field on our page, and no TEST MODE: the card is typed on the provider's page.
    expect(page.locator(".hosted-payment")).to_contain_text("Alipay, WeChat Pay")
    assert page.get_by_label("Card number").count() == 0
    assert "TEST MODE" not in page.content()
    page.get_by_role("button", name="Confirm and pay").click()

    # The hosted payment page.
    expect(page.get_by_role("heading", level=1)).to_contain_text("gbp")
    assert page.url.startswith(fake.base + "/pay/cs_test_")
    order = Order.objects.get()
    payment = order.payments.get()
    assert payment.status == PaymentStatus.AWAITING
    page.get_by_role("button", name="Pay").click()

    # Back on our return page: the browser's return alone pays nothing; the page waits.
    waiting = page.locator('[data-payment-state="awaiting"]')
    expect(waiting).to_be_visible()
    assert page.url.startswith(f"{live_server.url}/checkout/return/{order.public_id}/")
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED

    # Stripe settles the payment and delivers its signed webhook; the page notices by itself.
    fake.pay(payment.provider_reference, settled=True)
    body, signature = signed_event(
        fake.event("checkout.session.async_payment_succeeded", payment.provider_reference)
    )
    answer = httpx.post(
        f"{live_server.url}/payments/webhook/stripe/",
        content=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )
    assert answer.status_code == 200
    page.get_by_text("Payment received").wait_for()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
