"""Service tickets: warranty or a plan makes them free; otherwise quoted and paid first."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.aftersales.errors import AftersalesError
from rapport.aftersales.models import Coverage, ProductWarranty, ServicePlan, TicketStatus
from rapport.aftersales.tests.factories import buy, deliver, reachable
from rapport.aftersales.tickets import (
    add_message,
    coverage_for,
    open_ticket,
    pay_ticket,
    set_price,
    update_ticket,
)
from rapport.checkout.tests.factories import stocked_product
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer
from rapport.messaging.models import Message
from rapport.orders.models import Order, OrderLine
from rapport.payments.models import Payment, PaymentStatus, WalletAccount
from rapport.payments.services import InsufficientFunds

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(people):
    return reachable(Customer.objects.get(user=people["customer"]))


def bought_line(people, ann, *, days_ago=0, warranty_months=None, key="k1"):
    product = stocked_product(quantity=5, price="50.00")
    if warranty_months is not None:
        ProductWarranty.objects.create(product=product, months=warranty_months)
    order = deliver(buy(people["customer"], ann, [(product, 1)], key=key), people["employee"])
    Order.objects.filter(pk=order.pk).update(delivered_at=timezone.now() - timedelta(days=days_ago))
    return OrderLine.objects.select_related("order").get(order=order, kind="product")


@pytest.mark.parametrize(
    "days_ago,months,expected",
    [
        (10, None, Coverage.WARRANTY),  # default 24 months
        (800, None, Coverage.PAID),
        (100, 3, Coverage.PAID),  # this product has only 3 months
        (80, 3, Coverage.WARRANTY),
    ],
)
def test_warranty_decides_free_or_paid(people, ann, days_ago, months, expected):
    line = bought_line(people, ann, days_ago=days_ago, warranty_months=months)
    assert coverage_for(line) == expected
    ticket = open_ticket(line=line, subject="Noise", body="It rattles", actor=people["customer"])
    assert ticket.coverage == expected and ticket.price == Decimal("0.00")


def test_active_service_plan_covers_after_warranty(people, ann):
    line = bought_line(people, ann, days_ago=800)
    ServicePlan.objects.create(
        customer=ann, name="Care", valid_until=timezone.localdate() - timedelta(days=1)
    )
    assert coverage_for(line) == Coverage.PAID  # expired plan
    ServicePlan.objects.create(
        customer=ann,
        product=line.product,
        name="Care+",
        valid_until=timezone.localdate() + timedelta(days=30),
    )
    assert coverage_for(line) == Coverage.PLAN


def test_covered_ticket_cannot_be_priced(people, ann):
    ticket = open_ticket(line=bought_line(people, ann), subject="s", body="b", actor=None)
    with pytest.raises(AftersalesError):
        set_price(ticket=ticket, price=Decimal("10"), actor=people["employee"])
    ticket.refresh_from_db()
    assert (ticket.price, ticket.status) == (Decimal("0.00"), TicketStatus.OPEN)


def test_paid_ticket_work_starts_only_after_payment(people, ann):
    ticket = open_ticket(
        line=bought_line(people, ann, days_ago=900),
        subject="Dead",
        body="b",
        actor=people["customer"],
    )
    assert ticket.coverage == Coverage.PAID
    with pytest.raises(AftersalesError):
        update_ticket(ticket=ticket, actor=people["employee"], status=TicketStatus.IN_PROGRESS)
    ticket = set_price(ticket=ticket, price=Decimal("39.90"), actor=people["employee"])
    assert ticket.status == TicketStatus.AWAITING_PAYMENT
    with pytest.raises(InsufficientFunds):  # empty wallet: nothing written
        pay_ticket(ticket=ticket, method="wallet", actor=people["customer"])
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.AWAITING_PAYMENT and ticket.payment_order is None
    assert not Order.objects.filter(source="service").exists()
    ticket = pay_ticket(
        ticket=ticket, method="card", card_number="4242424242424242", actor=people["customer"]
    )
    assert ticket.status == TicketStatus.IN_PROGRESS
    payment = Payment.objects.get(order=ticket.payment_order)
    assert (payment.method, payment.amount, payment.status) == (
        "card",
        Decimal("39.90"),
        PaymentStatus.AUTHORISED,
    )
    with pytest.raises(AftersalesError):
        pay_ticket(ticket=ticket, method="card", card_number="4242424242424242", actor=None)
    assert Order.objects.filter(source="service").count() == 1


def test_pay_ticket_from_wallet(people, ann):
    from rapport.payments.services import top_up_wallet

    ticket = open_ticket(
        line=bought_line(people, ann, days_ago=900), subject="s", body="b", actor=None
    )
    ticket = set_price(ticket=ticket, price=Decimal("12.34"), actor=people["employee"])
    top_up_wallet(customer=ann, amount=Decimal("20.00"), actor=None)
    pay_ticket(ticket=ticket, method="wallet", actor=people["customer"])
    assert WalletAccount.objects.get(customer=ann).balance == Decimal("7.66")


def test_assign_messages_and_timeline(people, ann):
    ticket = open_ticket(
        line=bought_line(people, ann), subject="Squeak", body="b", actor=people["customer"]
    )
    update_ticket(
        ticket=ticket,
        actor=people["employee"],
        assignee=people["employee"],
        status=TicketStatus.IN_PROGRESS,
        message="We are on it",
    )
    add_message(ticket=ticket, body="Thanks", actor=people["customer"], from_staff=False)
    ticket.refresh_from_db()
    assert ticket.assignee == people["employee"] and ticket.status == TicketStatus.IN_PROGRESS
    assert [m.body for m in ticket.messages.all()] == ["b", "We are on it", "Thanks"]
    actions = list(
        AuditEntry.objects.filter(customer=ann, action__startswith="ticket.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["ticket.opened", "ticket.message", "ticket.updated", "ticket.message"]
    # "opened" and one mail for the update (its status and its message together)
    assert Message.objects.filter(customer=ann, template="ticket_update").count() == 2
    update_ticket(ticket=ticket, actor=people["employee"], status=TicketStatus.CLOSED)
    with pytest.raises(AftersalesError):
        add_message(ticket=ticket, body="Hello?", actor=people["customer"], from_staff=False)
    with pytest.raises(AftersalesError):
        update_ticket(ticket=ticket, actor=people["employee"], status=TicketStatus.OPEN)


def ticket_mails(ticket):
    return list(
        Message.objects.filter(customer=ticket.customer, template="ticket_update").order_by("id")
    )


def test_one_update_with_a_status_and_a_message_sends_one_mail_with_both(people, ann):
    line = bought_line(people, ann, days_ago=10)
    ticket = open_ticket(line=line, subject="Noise", body="It rattles", actor=people["customer"])
    before = len(ticket_mails(ticket))

    update_ticket(
        ticket=ticket,
        actor=people["employee"],
        status=TicketStatus.IN_PROGRESS,
        message="We will replace the fan.",
    )

    [mail] = ticket_mails(ticket)[before:]
    assert "We will replace the fan." in mail.body_text
    assert "In progress" in mail.body_text


def test_assigning_a_ticket_alone_mails_nobody(people, ann):
    line = bought_line(people, ann, days_ago=10)
    ticket = open_ticket(line=line, subject="Noise", body="It rattles", actor=people["customer"])
    before = len(ticket_mails(ticket))

    update_ticket(ticket=ticket, actor=people["manager"], assignee=people["employee"])

    assert len(ticket_mails(ticket)) == before
    assert AuditEntry.objects.filter(action="ticket.updated").count() == 1
