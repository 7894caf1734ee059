"""Returns: who may return what, stock back, refunds exact to the cent for each payment mode."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.aftersales.errors import AftersalesError
from rapport.aftersales.models import ReturnRequest, ReturnStatus
from rapport.aftersales.returns import decide_return, receive_return, refund_return, request_return
from rapport.aftersales.tests.factories import buy, deliver, reachable
from rapport.checkout.tests.factories import stock_of, stocked_product
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer
from rapport.orders.models import Order, OrderStatus, Refund
from rapport.payments.models import Payment, PaymentStatus, WalletAccount

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(people):
    return reachable(Customer.objects.get(user=people["customer"]))


@pytest.fixture
def goods():
    return stocked_product(quantity=10, price="10.00"), stocked_product(quantity=10, price="7.33")


def delivered_order(people, ann, goods, method="cod"):
    a, b = goods
    # subtotal 3 x 10.00 + 7.33 = 37.33, standard shipping 4.95, total 42.28
    return deliver(
        buy(people["customer"], ann, [(a, 3), (b, 1)], method=method), people["employee"]
    )


def lines(order):
    return {line.sku: line for line in order.lines.filter(kind="product")}


def full_return(order, qty, staff, refund_to="original", actor=None):
    rma = request_return(
        order=order, quantities=qty, reason="Broken", refund_to=refund_to, actor=actor
    )
    decide_return(rma=rma, approve=True, actor=staff)
    receive_return(rma=rma, actor=staff)
    return refund_return(rma=rma, actor=staff)


@pytest.mark.parametrize("method", ["cod", "wallet", "card", "credit_terms"])
def test_two_returns_refund_exactly_the_order_total(people, ann, goods, method):
    order = delivered_order(people, ann, goods, method)
    a, b = goods
    ls = lines(order)
    staff = people["employee"]
    dest = "wallet" if method == "cod" else "original"
    first = full_return(order, {ls[a.sku].pk: 1}, staff, dest, people["customer"])
    # 10.00 + 4.95 x 10.00 / 37.33 = 1.326… → 1.33
    assert (first.items_total, first.shipping_share, first.refund_amount) == (
        Decimal("10.00"),
        Decimal("1.33"),
        Decimal("11.33"),
    )
    second = full_return(order, {ls[a.sku].pk: 2, ls[b.sku].pk: 1}, staff, dest, people["customer"])
    # The last units carry the rest of the shipping: 27.33 + 3.62.
    assert (second.shipping_share, second.refund_amount) == (Decimal("3.62"), Decimal("30.95"))
    assert first.refund_amount + second.refund_amount == order.total == Decimal("42.28")
    assert sum(r.amount for r in Refund.objects.filter(order=order)) == Decimal("42.28")
    assert stock_of(a) == 10 and stock_of(b) == 10
    payment = Payment.objects.get(order=order)
    wallet = WalletAccount.objects.filter(customer=ann).first()
    if method == "cod":  # collected cash comes back as store credit
        assert wallet.balance == Decimal("42.28")
        assert payment.status == PaymentStatus.CAPTURED
    elif method == "wallet":
        assert wallet.balance == Decimal("1000.00")
    elif method == "card":
        assert payment.status == PaymentStatus.REFUNDED and wallet is None
    else:  # unpaid credit terms: nothing owed any more
        assert payment.status == PaymentStatus.REFUNDED
        assert wallet is None
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED


def test_partial_credit_terms_return_lowers_what_is_owed(people, ann, goods):
    order = delivered_order(people, ann, goods, "credit_terms")
    a, _b = goods
    full_return(order, {lines(order)[a.sku].pk: 1}, people["employee"], "original")
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.amount) == (PaymentStatus.PENDING, Decimal("30.95"))


def test_card_refund_to_store_credit_when_chosen(people, ann, goods):
    order = delivered_order(people, ann, goods, "card")
    a, _b = goods
    full_return(order, {lines(order)[a.sku].pk: 1}, people["employee"], "wallet")
    assert WalletAccount.objects.get(customer=ann).balance == Decimal("11.33")
    assert Payment.objects.get(order=order).status == PaymentStatus.CAPTURED


@pytest.mark.parametrize(
    "qty_for,reason",
    [
        (lambda ls, a, b: {ls[a.sku].pk: 4}, "Broken"),  # more than bought
        (lambda ls, a, b: {ls[a.sku].pk: -1}, "Broken"),
        (lambda ls, a, b: {}, "Broken"),
        (lambda ls, a, b: {ls[a.sku].pk: 1}, "  "),
        (lambda ls, a, b: {999999: 1}, "Broken"),  # not a line of this order
    ],
)
def test_bad_requests_write_nothing(people, ann, goods, qty_for, reason):
    order = delivered_order(people, ann, goods)
    a, b = goods
    with pytest.raises(AftersalesError):
        request_return(
            order=order,
            quantities=qty_for(lines(order), a, b),
            reason=reason,
            refund_to="wallet",
            actor=None,
        )
    assert ReturnRequest.objects.count() == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED


def test_cannot_return_more_than_left_after_an_earlier_return(people, ann, goods):
    order = delivered_order(people, ann, goods)
    a, _b = goods
    full_return(order, {lines(order)[a.sku].pk: 2}, people["employee"], "wallet")
    with pytest.raises(AftersalesError):
        request_return(
            order=order,
            quantities={lines(order)[a.sku].pk: 2},
            reason="x",
            refund_to="wallet",
            actor=None,
        )
    assert ReturnRequest.objects.count() == 1


def test_return_window_and_undelivered_orders(people, ann, goods, settings):
    a, _b = goods
    placed = buy(people["customer"], ann, [(a, 1)], key="undelivered")
    with pytest.raises(AftersalesError):
        request_return(
            order=placed,
            quantities={lines(placed)[a.sku].pk: 1},
            reason="x",
            refund_to="wallet",
            actor=None,
        )
    order = delivered_order(people, ann, goods)
    Order.objects.filter(pk=order.pk).update(
        delivered_at=timezone.now() - timedelta(days=settings.RAPPORT_RETURN_WINDOW_DAYS + 1)
    )
    order.refresh_from_db()
    with pytest.raises(AftersalesError):
        request_return(
            order=order,
            quantities={lines(order)[a.sku].pk: 1},
            reason="x",
            refund_to="wallet",
            actor=None,
        )
    assert ReturnRequest.objects.count() == 0


def test_rejected_return_puts_the_order_back_and_refunds_nothing(people, ann, goods):
    order = delivered_order(people, ann, goods)
    a, _b = goods
    rma = request_return(
        order=order,
        quantities={lines(order)[a.sku].pk: 1},
        reason="x",
        refund_to="wallet",
        actor=None,
    )
    decide_return(rma=rma, approve=False, actor=people["employee"])
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED
    with pytest.raises(AftersalesError):
        refund_return(rma=rma, actor=people["employee"])
    assert Refund.objects.count() == 0 and stock_of(a) == 7


def test_refunding_twice_is_refused(people, ann, goods):
    order = delivered_order(people, ann, goods, "wallet")
    a, _b = goods
    rma = full_return(order, {lines(order)[a.sku].pk: 1}, people["employee"], "original")
    with pytest.raises(AftersalesError):
        refund_return(rma=rma, actor=people["employee"])
    assert Refund.objects.count() == 1
    assert ReturnRequest.objects.get(pk=rma.pk).status == ReturnStatus.REFUNDED
    assert AuditEntry.objects.filter(action="return.refunded", customer=ann).count() == 1
