"""Stripe through the real SDK against recorded Stripe responses at the HTTP boundary."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stock_of, stocked_product
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer
from rapport.messaging.models import Message
from rapport.orders.lifecycle import OrderError, advance_order
from rapport.orders.models import Order, OrderStatus
from rapport.orders.refunds import refund_order
from rapport.payments.models import Payment, PaymentStatus, ProviderEvent
from rapport.payments.providers import (
    PaymentRequest,
    StripeProvider,
    WebhookSignatureError,
    get_provider,
)
from rapport.payments.providers.stripe import from_minor, to_minor
from rapport.payments.tests.stripe_fake import (
    WEBHOOK_SECRET,
    point_settings_at,
    running_fake_stripe,
    signed_event,
    stripe_signature,
)

pytestmark = pytest.mark.django_db

WEBHOOK = "/payments/webhook/stripe/"


@pytest.fixture
def fake(settings):
    with running_fake_stripe() as fake:
        point_settings_at(settings, fake)
        yield fake


@pytest.fixture
def ann(people):
    return Customer.objects.get(user=people["customer"])


def place(ann, people, product=None, quantity=1, key="k1"):
    product = product or stocked_product(quantity=5, price="12.50")
    return place_order(
        cart=cart_with(people["customer"], (product, quantity)),
        customer=ann,
        address=address_for(ann),
        shipping_method="standard",
        payment_method="card",
        idempotency_key=key,
        actor=people["customer"],
    )


def deliver(client, event, secret=WEBHOOK_SECRET):
    body, signature = signed_event(event, secret)
    return client.post(
        WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


def session_of(order):
    return order.payments.get().provider_reference


def test_minor_units_follow_the_currency():
    assert to_minor(Decimal("12.50"), "GBP") == 1250
    assert to_minor(Decimal("1250"), "jpy") == 1250
    assert from_minor(1250, "cny") == Decimal("12.50")
    assert from_minor(1250, "JPY") == Decimal("1250.00")


def test_start_creates_a_checkout_session_with_an_idempotency_key(fake, settings):
    settings.RAPPORT_STRIPE_PAYMENT_METHOD_TYPES = ["card", "alipay", "wechat_pay"]
    provider = get_provider()
    assert isinstance(provider, StripeProvider) and not provider.collects_card_in_page
    request = PaymentRequest(
        amount=Decimal("12.34"),
        currency="GBP",
        idempotency_key="pay-abc",
        return_url="https://shop.example.com/checkout/return/x/",
        payment_id="abc",
        card_number="4242424242424242",  # an in-page field: never sent to Stripe
    )

    start = provider.start(request)
    again = provider.start(request)  # a retry with the same key: the same session

    assert start == again and start.needs_customer
    assert start.redirect_url == fake.sessions[start.reference]["url"]
    posts = [r for r in fake.requests if r[0] == "POST"]
    assert len(fake.sessions) == 1 and {r[3] for r in posts} == {"pay-abc"}
    body = posts[0][2]
    assert body["line_items"]["0"]["price_data"]["unit_amount"] == "1234"
    assert body["line_items"]["0"]["price_data"]["currency"] == "gbp"
    assert body["success_url"].endswith("/x/?session_id={CHECKOUT_SESSION_ID}")
    assert body["metadata"] == {"rapport_payment": "abc"}
    assert body["payment_intent_data"]["metadata"] == {"rapport_payment": "abc"}
    assert list(body["payment_method_types"].values()) == ["card", "alipay", "wechat_pay"]
    assert body["payment_method_options"] == {"wechat_pay": {"client": "web"}}
    assert "4242" not in json.dumps(body)


def test_webhook_signature_is_stripes_scheme(fake):
    provider = get_provider()
    fake.create_session(
        {
            "line_items": {
                "0": {"price_data": {"unit_amount": "100", "currency": "gbp"}, "quantity": "1"}
            },
            "success_url": "x",
            "expires_at": "0",
        }
    )
    session_id = next(iter(fake.sessions))
    body, signature = signed_event(fake.event("checkout.session.expired", session_id))

    event = provider.parse_webhook(body=body, signature=signature)

    assert event.kind == "checkout.session.expired" and event.state is not None
    assert (event.state.reference, event.state.outcome) == (session_id, "failed")
    with pytest.raises(WebhookSignatureError):
        provider.parse_webhook(body=body, signature=stripe_signature(body, "whsec_other"))
    with pytest.raises(WebhookSignatureError):  # a genuine but old delivery, replayed
        old = stripe_signature(body, WEBHOOK_SECRET, timestamp=int(time.time()) - 3600)
        provider.parse_webhook(body=body, signature=old)
    with pytest.raises(WebhookSignatureError):
        provider.parse_webhook(body=body + b" ", signature=signature)


def test_a_stripe_order_waits_for_the_provider_then_is_paid_once(fake, ann, people, client):
    order = place(ann, people)
    payment = order.payments.get()

    assert payment.status == PaymentStatus.AWAITING and payment.pay_url.startswith(fake.base)
    assert order.status == OrderStatus.PLACED
    assert not Message.objects.filter(customer=ann, template="order_confirmation").exists()
    with pytest.raises(OrderError):  # nobody marks it paid by hand before Stripe does
        advance_order(order=order, to=OrderStatus.PAID, actor=people["employee"])

    fake.pay(session_of(order))
    completed = fake.event("checkout.session.completed", session_of(order))
    assert deliver(client, completed).status_code == 200
    assert deliver(client, completed).status_code == 200  # Stripe delivers again: no effect

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    assert payment.provider_intent == fake.sessions[session_of(order)]["payment_intent"]
    assert order.status == OrderStatus.PAID
    assert AuditEntry.objects.filter(action="payment.captured").count() == 1
    assert Message.objects.filter(customer=ann, template="order_confirmation").count() == 1
    assert ProviderEvent.objects.filter(event_id=completed["id"]).count() == 1


def test_out_of_order_events_never_move_a_payment_back(fake, ann, people, client):
    order = place(ann, people)
    session = session_of(order)
    fake.pay(session)
    # payment_intent.succeeded first (found by our id in its metadata), then the session.
    assert deliver(client, fake.event("payment_intent.succeeded", session)).status_code == 200
    assert deliver(client, fake.event("checkout.session.completed", session)).status_code == 200
    assert deliver(client, fake.event("charge.refunded", session)).status_code == 200
    # A late success after the refund changes nothing.
    assert deliver(client, fake.event("payment_intent.succeeded", session)).status_code == 200

    payment = order.payments.get()
    assert payment.status == PaymentStatus.REFUNDED
    assert AuditEntry.objects.filter(action="payment.captured").count() == 1
    assert AuditEntry.objects.filter(action="payment.refunded").count() == 1


def test_a_success_for_another_amount_is_not_counted(fake, ann, people, client):
    order = place(ann, people)
    fake.pay(session_of(order))
    event = fake.event("checkout.session.completed", session_of(order), amount_total=1)

    assert deliver(client, event).status_code == 200

    assert order.payments.get().status == PaymentStatus.AWAITING
    assert AuditEntry.objects.filter(action="payment.provider_note").exists()


def test_bad_signature_is_refused_and_changes_nothing(fake, ann, people, client):
    order = place(ann, people)
    fake.pay(session_of(order))
    event = fake.event("checkout.session.completed", session_of(order))

    assert deliver(client, event, secret="whsec_attacker").status_code == 400

    assert order.payments.get().status == PaymentStatus.AWAITING
    assert not ProviderEvent.objects.exists()


def test_an_expired_payment_page_cancels_the_order_and_puts_stock_back(fake, ann, people, client):
    product = stocked_product(quantity=5, price="12.50")
    order = place(ann, people, product=product, quantity=2)
    assert stock_of(product) == 3
    fake.sessions[session_of(order)]["status"] = "expired"

    assert (
        deliver(client, fake.event("checkout.session.expired", session_of(order))).status_code
        == 200
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.payments.get().status == PaymentStatus.FAILED
    assert stock_of(product) == 5
    assert not fake.refunds


def test_the_return_page_asks_stripe_and_never_trusts_the_browser(fake, ann, people, clients):
    client = clients["customer"]
    order = place(ann, people)
    url = reverse("storefront:checkout_return", kwargs={"public_id": order.public_id})

    # Back from Stripe without paying (or before Stripe knows): the page waits, nothing is paid.
    waiting = client.get(url + f"?session_id={session_of(order)}")
    assert waiting.status_code == 200
    assert b'data-payment-state="awaiting"' in waiting.content
    assert b'http-equiv="refresh"' in waiting.content
    assert order.payments.get().status == PaymentStatus.AWAITING

    # Paid at Stripe, webhook not here yet: our server asks Stripe and the order is paid.
    fake.pay(session_of(order))
    done = client.get(url)
    assert done.status_code == 302 and done["Location"].endswith(f"/{order.public_id}/")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    gets = [r for r in fake.requests if r[0] == "GET"]
    assert gets and gets[-1][1] == f"/v1/checkout/sessions/{session_of(order)}"

    # Another customer cannot look at it.
    assert clients["other_customer"].get(url).status_code == 404


def test_partial_refunds_go_to_stripe_with_their_own_keys(fake, ann, people, client):
    order = place(ann, people)
    fake.pay(session_of(order))
    deliver(client, fake.event("checkout.session.completed", session_of(order)))
    order = Order.objects.get(pk=order.pk)

    refund_order(
        order=order, amount=Decimal("5.00"), destination="original", reference="r1", actor=None
    )
    refund_order(
        order=order, amount=Decimal("5.00"), destination="original", reference="r2", actor=None
    )

    assert [r["amount"] for r in fake.refunds] == [500, 500]
    keys = [r[3] for r in fake.requests if r[1] == "/v1/refunds"]
    assert len(set(keys)) == 2
    payment = order.payments.get()
    assert payment.status == PaymentStatus.CAPTURED  # part of it is still paid
    intent = fake.sessions[session_of(order)]["payment_intent"]
    assert {r["payment_intent"] for r in fake.refunds} == {intent}


def test_cancelling_closes_the_page_and_late_money_is_refunded(fake, ann, people, client):
    order = place(ann, people)
    session = session_of(order)

    advance_order(order=order, to=OrderStatus.CANCELLED, actor=people["employee"])

    assert fake.sessions[session]["status"] == "expired"
    payment = order.payments.get()
    assert payment.status == PaymentStatus.FAILED
    # Had the customer paid in the same instant, the money arriving now goes straight back.
    fake.sessions[session]["status"] = "open"
    fake.pay(session)
    deliver(client, fake.event("checkout.session.completed", session))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert [r["amount"] for r in fake.refunds] == [to_minor(payment.amount, "gbp")]
    assert AuditEntry.objects.filter(action="payment.refunded_late").count() == 1


def test_stripe_unreachable_places_no_order(settings, ann, people):
    with running_fake_stripe() as fake:
        point_settings_at(settings, fake)
    # The server is gone: the SDK cannot connect.
    from rapport.payments.services import PaymentUnavailable

    product = stocked_product(quantity=5, price="12.50")
    with pytest.raises(PaymentUnavailable, match="Nothing was charged"):
        place(ann, people, product=product)
    assert not Order.objects.exists() and not Payment.objects.exists()
    assert stock_of(product) == 5


def test_tickets_refuse_card_under_a_hosted_provider(fake):
    from rapport.aftersales.tickets import AftersalesError, pay_ticket

    with pytest.raises(AftersalesError, match="cannot be paid by card"):
        pay_ticket(ticket=None, method="card", actor=None)  # type: ignore[arg-type]
