"""The order state machine: legal steps only, side effects, timeline, one mail per step."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rapport.aftersales.tests.factories import buy, deliver, reachable
from rapport.checkout.tests.factories import stock_of, stocked_product
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer
from rapport.messaging.models import Message
from rapport.messaging.services import send_due_messages
from rapport.orders.lifecycle import TRANSITIONS, IllegalTransition, OrderError, advance_order
from rapport.orders.models import Order, OrderStatus, Refund, Shipment
from rapport.payments.models import Payment, PaymentStatus, WalletAccount

pytestmark = pytest.mark.django_db
S = OrderStatus


@pytest.fixture
def ann(people):
    return reachable(Customer.objects.get(user=people["customer"]))


@pytest.fixture
def product():
    return stocked_product(quantity=10, price="10.00")


def snapshot(order):
    order.refresh_from_db()
    return (
        order.status,
        order.shipped_at,
        Shipment.objects.count(),
        Refund.objects.count(),
        AuditEntry.objects.filter(action__startswith="order.").count(),
        Message.objects.count(),
    )


@pytest.mark.parametrize(
    "path,to",
    [
        ((), S.SHIPPED),
        ((), S.DELIVERED),
        ((), S.REFUNDED),
        ((S.PAID,), S.PLACED),
        ((S.PAID, S.PACKED, S.SHIPPED), S.CANCELLED),
        ((S.CANCELLED,), S.PAID),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(people, ann, product, path, to):
    order = buy(people["customer"], ann, [(product, 2)], method="card")
    for step in path:
        kw = {"carrier": "DHL", "tracking_number": "1"} if step == S.SHIPPED else {}
        order = advance_order(order=order, to=step, actor=people["employee"], **kw)
    before = snapshot(order)
    stock = stock_of(product)
    with pytest.raises(IllegalTransition):
        advance_order(order=order, to=to, actor=people["employee"])
    assert snapshot(order) == before
    assert stock_of(product) == stock


def test_paid_orders_cannot_skip_payment_but_cash_on_delivery_can(people, ann, product):
    card = buy(people["customer"], ann, [(product, 1)], method="card", key="a")
    with pytest.raises(IllegalTransition):
        advance_order(order=card, to=S.PACKED, actor=people["employee"])
    cod = buy(people["customer"], ann, [(product, 1)], method="cod", key="b")
    assert advance_order(order=cod, to=S.PACKED, actor=people["employee"]).status == S.PACKED


def test_transition_table_is_closed_over_statuses():
    assert set(TRANSITIONS) == set(S.values)
    assert all(set(targets) <= set(S.values) for targets in TRANSITIONS.values())


def test_shipping_needs_carrier_and_tracking_number(people, ann, product):
    order = buy(people["customer"], ann, [(product, 1)], method="cod")
    order = advance_order(order=order, to=S.PACKED, actor=people["employee"])
    with pytest.raises(OrderError):
        advance_order(order=order, to=S.SHIPPED, actor=people["employee"], carrier="DHL")
    order.refresh_from_db()
    assert order.status == S.PACKED and Shipment.objects.count() == 0


def test_delivery_collects_cash_on_delivery(people, ann, product):
    order = deliver(buy(people["customer"], ann, [(product, 1)], method="cod"), people["employee"])
    assert order.delivered_at is not None
    assert Payment.objects.get(order=order).status == PaymentStatus.CAPTURED
    shipment = Shipment.objects.get(order=order)
    assert (shipment.carrier, shipment.tracking_number) == ("DHL", "JD0001")


@pytest.mark.parametrize(
    "method,payment_status,wallet_after",
    [
        ("cod", PaymentStatus.REFUNDED, None),  # nothing collected: no longer owed
        ("credit_terms", PaymentStatus.REFUNDED, None),  # the invoice is written off
        ("card", PaymentStatus.REFUNDED, None),  # refunded through the provider
        ("wallet", PaymentStatus.CAPTURED, Decimal("1000.00")),  # credit back in full
    ],
)
def test_cancelling_releases_stock_and_refunds_what_was_paid(
    people, ann, product, method, payment_status, wallet_after
):
    order = buy(people["customer"], ann, [(product, 3)], method=method)
    assert stock_of(product) == 7
    order = advance_order(order=order, to=S.CANCELLED, actor=people["employee"])
    assert order.status == S.CANCELLED
    assert stock_of(product) == 10
    payment = Payment.objects.get(order=order)
    assert payment.status == payment_status
    assert [r.amount for r in Refund.objects.filter(order=order)] == [Decimal("34.95")]
    if wallet_after is not None:
        assert WalletAccount.objects.get(customer=ann).balance == wallet_after
    entry = AuditEntry.objects.get(action="order.cancelled")
    assert entry.customer == ann and entry.data["refunded"] == "34.95"


def test_whole_lifecycle_sends_one_mail_per_step_over_smtp(people, ann, product, smtp_server):
    order = buy(people["customer"], ann, [(product, 1)], method="card")
    send_due_messages()  # the order confirmation (checkout's) waits in the outbox: out of the way
    smtp_server.wait_for(1)
    smtp_server.messages.clear()
    order = deliver(order, people["employee"])
    send_due_messages()
    mails = smtp_server.wait_for(4)
    subjects = sorted(str(m["Subject"]) for m in smtp_server.to("ann@example.com"))
    assert subjects == sorted(
        f"Order {order.number}: {label}" for label in ("Paid", "Packed", "Shipped", "Delivered")
    )
    assert len(mails) == 4
    shipped = next(m for m in mails if str(m["Subject"]).endswith("Shipped"))
    assert "JD0001" in shipped.get_body(preferencelist=("plain",)).get_content()
    timeline = list(
        AuditEntry.objects.filter(customer=ann, action__startswith="order.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert timeline == [
        "order.placed",
        "order.paid",
        "order.packed",
        "order.shipped",
        "order.delivered",
    ]
    assert Order.objects.get(pk=order.pk).estimated_delivery_at is not None
