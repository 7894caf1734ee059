"""The order confirmation: queued in the outbox with the order, sent over real SMTP with the PDF
e-receipt rendered by the sender, retried through an outage, sent once."""

from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.core.models import AuditEntry
from rapport.core.testing import (
    free_port,
    login_customer,
    run_concurrently,
    skip_unless_postgres,
    smtp_mailers,
)
from rapport.customers.models import Consent, ContactKind, Customer, Purpose
from rapport.customers.services import create_customer_for_user, set_consent
from rapport.messaging.models import Message, MessageStatus
from rapport.messaging.services import dispatch
from rapport.messaging.tasks import send_message_task
from rapport.orders.models import Order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ann(make_user):
    # make_user, not `people`: transactional tests flush the role groups `people` relies on.
    user = make_user("ann@example.com")
    return Customer.objects.create(user=user, email=user.email, name="Ann Buyer")


def buy(customer, *items, key="mail-1", shipping="express"):
    return place_order(
        cart=cart_with(customer.user, *items),
        customer=customer,
        address=address_for(customer),
        shipping_method=shipping,
        payment_method="cod",
        idempotency_key=key,
        actor=customer.user,
    )


def assert_receipt_attached(mail, order):
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == f"receipt-{order.number}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")


def test_confirmation_email_with_pdf_receipt_arrives(ann, smtp_server):
    product = stocked_product(quantity=3, price="7.50", name="JUMBO BAG RED RETROSPOT")

    order = buy(ann, (product, 2))

    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "ann@example.com"
    assert order.number in mail["Subject"]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "2 \u00d7 JUMBO BAG RED RETROSPOT" in body
    assert f"£{order.total}" in body  # the currency written as people write it
    assert order.total == Decimal("24.95")
    assert_receipt_attached(mail, order)
    # It went through the outbox: stored, transactional (no budget charge), sent, on the timeline.
    message = Message.objects.get()
    assert (message.template, message.purpose, message.status) == (
        "order_confirmation",
        Purpose.TRANSACTIONAL,
        MessageStatus.SENT,
    )
    assert message.attachments == [{"kind": "order-receipt", "order_id": order.pk}]
    assert message.charged_at is None
    assert mail["Message-ID"] == message.message_id
    assert AuditEntry.objects.filter(customer=ann, action="message.sent").count() == 1


def test_record_without_an_email_contact_point_gets_one_from_the_order(ann, smtp_server):
    assert not ann.contact_points.exists()

    buy(ann, (stocked_product(), 1))

    point = ann.contact_points.get()
    assert (point.kind, point.value, point.is_primary) == (
        ContactKind.EMAIL,
        "ann@example.com",
        True,
    )
    assert Consent.objects.get(contact_point=point).purpose == Purpose.TRANSACTIONAL
    assert len(smtp_server.wait_for(1)) == 1


def test_opted_out_of_transactional_mail_gets_no_confirmation_but_the_order(make_user, smtp_server):
    user = make_user("optout@example.com")
    customer = create_customer_for_user(user=user)
    set_consent(
        contact_point=customer.contact_points.get(),
        purpose=Purpose.TRANSACTIONAL,
        granted=False,
        actor=user,
        source="preference page",
    )

    order = buy(customer, (stocked_product(), 1))

    assert order.pk is not None
    assert Message.objects.count() == 0
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_smtp_down_at_order_time_then_send_outbox_delivers_with_the_receipt(
    ann, smtp_server, settings
):
    settings.MAILERS = smtp_mailers(free_port())  # the mail server is down

    order = buy(ann, (stocked_product(quantity=3), 1))

    # The order is placed and the customer was not disturbed; the promise waits in the outbox.
    order.refresh_from_db()
    message = Message.objects.get()
    assert message.status == MessageStatus.RETRYING
    assert message.attempts == 1
    assert message.next_attempt_at > timezone.now()

    assert smtp_server.messages == []
    # Not due yet: the periodic run leaves it alone.
    call_command("send_outbox")
    message.refresh_from_db()
    assert message.attempts == 1

    # The mail server is back and the backoff has elapsed.
    settings.MAILERS = smtp_mailers(smtp_server.port)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    call_command("send_outbox")

    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "ann@example.com"
    assert order.number in mail["Subject"]
    assert_receipt_attached(mail, order)


def test_exactly_one_confirmation_even_if_dispatch_runs_twice(ann, smtp_server):
    order = buy(ann, (stocked_product(), 1))
    message = Message.objects.get()

    dispatch(message.pk)
    dispatch(message.pk)
    send_message_task.delay(message.pk)  # a redelivered task
    call_command("send_outbox")

    assert len(smtp_server.wait_for(2, timeout=1)) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert Message.objects.filter(template="order_confirmation").count() == 1
    assert smtp_server.messages[0]["Subject"].endswith(order.number)


def test_concurrent_dispatch_sends_the_confirmation_once(ann, smtp_server, settings):
    skip_unless_postgres()
    settings.MAILERS = smtp_mailers(free_port())  # the mail server is down
    buy(ann, (stocked_product(), 1))  # SMTP down: the confirmation waits as RETRYING
    message = Message.objects.get()
    settings.MAILERS = smtp_mailers(smtp_server.port)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())

    results = run_concurrently(6, lambda i: send_message_task.delay(message.pk).result)

    assert Counter(results) == {None: 5, MessageStatus.SENT: 1}
    assert len(smtp_server.wait_for(2, timeout=1)) == 1


def test_inside_a_request_the_confirmation_is_sent_after_the_response(ann, smtp_server):
    # What a WSGI server does around a request: request_started, the view, and request_finished
    # once the response has been written. (The test client's handler does the same.)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        request_started.send(sender=None, environ={})
        order = buy(ann, (stocked_product(), 1))
        assert Message.objects.get().status == MessageStatus.QUEUED
        assert smtp_server.messages == []

        request_finished.send(sender=None)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)

    [mail] = smtp_server.wait_for(1)
    assert_receipt_attached(mail, order)
    assert Message.objects.get().status == MessageStatus.SENT


def test_checkout_over_http_confirms_by_mail(make_user, smtp_server):
    user = make_user("web@example.com")
    customer = create_customer_for_user(user=user, name="Web Buyer")
    address = address_for(customer)
    product = stocked_product(quantity=2, price="15.00")
    client = Client()
    login_customer(client, user)
    client.post(
        reverse("storefront:cart_add"), {"product": str(product.public_id), "quantity": "1"}
    )
    client.post(
        reverse("storefront:checkout"),
        {"address": str(address.public_id), "shipping": "standard", "payment": "cod"},
    )
    verify = client.get(reverse("storefront:checkout_verify")).content.decode()
    key = verify.split('name="idempotency_key" value="')[1].split('"')[0]

    placed = client.post(reverse("storefront:checkout_verify"), {"idempotency_key": key})

    assert placed.status_code == 302
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "web@example.com"
    message = Message.objects.get()
    assert message.status == MessageStatus.SENT
    assert_receipt_attached(mail, Order.objects.get(customer=customer))


def test_confirmation_is_written_in_the_customers_language(make_user, smtp_server):
    user = make_user("wang@example.com")
    customer = create_customer_for_user(user=user, name="王芳")
    Customer.objects.filter(pk=customer.pk).update(language="zh-hans")

    order = buy(Customer.objects.get(pk=customer.pk), (stocked_product(), 1))

    [mail] = smtp_server.wait_for(1)
    assert mail["Subject"] == f"您的订单 {order.number}"
    assert (
        f"感谢您的订单 {order.number}。" in mail.get_body(preferencelist=("plain",)).get_content()
    )
    assert_receipt_attached(mail, order)
