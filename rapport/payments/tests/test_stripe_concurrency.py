"""Stripe webhooks racing each other on PostgreSQL: separate connections, real row locks."""

from __future__ import annotations

import pytest
from django.test import Client

from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.core.models import AuditEntry
from rapport.core.testing import run_concurrently, skip_unless_postgres
from rapport.customers.models import Customer
from rapport.messaging.models import Message
from rapport.orders.models import Order, OrderStatus
from rapport.payments.models import PaymentStatus, ProviderEvent
from rapport.payments.tests.stripe_fake import point_settings_at, running_fake_stripe, signed_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    skip_unless_postgres()


@pytest.fixture
def fake(settings):
    with running_fake_stripe() as fake:
        point_settings_at(settings, fake)
        yield fake


def _stripe_order(people):
    ann = Customer.objects.get(user=people["customer"])
    return place_order(
        cart=cart_with(people["customer"], (stocked_product(quantity=3, price="20.00"), 1)),
        customer=ann,
        address=address_for(ann),
        shipping_method="standard",
        payment_method="card",
        idempotency_key="race-1",
        actor=people["customer"],
    )


def _post(body: bytes, signature: str) -> int:
    response = Client().post(
        "/payments/webhook/stripe/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )
    return response.status_code


def test_the_same_event_delivered_four_times_at_once_captures_once(fake, people):
    order = _stripe_order(people)
    session = order.payments.get().provider_reference
    fake.pay(session)
    body, signature = signed_event(fake.event("checkout.session.completed", session))

    codes = run_concurrently(4, lambda i: _post(body, signature))

    assert codes == [200, 200, 200, 200]
    order = Order.objects.get(pk=order.pk)
    assert order.status == OrderStatus.PAID
    assert order.payments.get().status == PaymentStatus.CAPTURED
    assert ProviderEvent.objects.count() == 1
    assert AuditEntry.objects.filter(action="payment.captured").count() == 1
    assert AuditEntry.objects.filter(action="order.paid").count() == 1
    assert Message.objects.filter(template="order_confirmation").count() == 1


def test_two_different_success_events_racing_pay_the_order_once(fake, people):
    order = _stripe_order(people)
    session = order.payments.get().provider_reference
    fake.pay(session)
    events = [
        signed_event(fake.event("checkout.session.completed", session)),
        signed_event(fake.event("payment_intent.succeeded", session)),
    ]

    codes = run_concurrently(2, lambda i: _post(*events[i]))

    assert codes == [200, 200]
    assert ProviderEvent.objects.count() == 2  # both seen, one effect
    assert AuditEntry.objects.filter(action="payment.captured").count() == 1
    assert AuditEntry.objects.filter(action="order.paid").count() == 1
    assert Message.objects.filter(template="order_confirmation").count() == 1
