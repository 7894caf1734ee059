"""place_order: the four payment modes, idempotency, and bad input that must write nothing."""

from decimal import Decimal

import pytest

from rapport.cart.models import CartStatus
from rapport.checkout.services import CheckoutError, place_order
from rapport.checkout.tests.factories import address_for, cart_with, stock_of, stocked_product
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer
from rapport.inventory.models import StockMove
from rapport.inventory.services import OutOfStock
from rapport.orders.models import LineKind, Order, OrderLine
from rapport.payments.models import CreditAccount, Payment, PaymentStatus, WalletAccount
from rapport.payments.services import (
    CreditNotAllowed,
    InsufficientFunds,
    PaymentDeclined,
    top_up_wallet,
)

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def ann(people):
    return Customer.objects.get(user=people["customer"])


@pytest.fixture
def setup(ann, people):
    product = stocked_product(quantity=5, price="12.50", name="REGENCY CAKESTAND")
    cart = cart_with(people["customer"], (product, 2))
    return {"product": product, "cart": cart, "address": address_for(ann)}


def counts():
    return (
        Order.objects.count(),
        OrderLine.objects.count(),
        Payment.objects.count(),
        StockMove.objects.count(),
    )


def place(setup, ann, people, method="cod", key="key-1", **kw):
    return place_order(
        cart=setup["cart"],
        customer=ann,
        address=setup["address"],
        shipping_method=kw.pop("shipping", "standard"),
        payment_method=method,
        idempotency_key=key,
        actor=people["customer"],
        **kw,
    )


def test_cash_on_delivery_order_writes_everything_once(
    setup, ann, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        order = place(setup, ann, people)

    assert order.subtotal == Decimal("25.00")
    assert order.shipping_total == Decimal("4.95")
    assert order.total == Decimal("29.95")
    assert order.number.startswith("R")
    assert stock_of(setup["product"]) == 3
    move = StockMove.objects.get()
    assert (move.delta, move.quantity_after, move.order_id) == (-2, 3, order.pk)
    lines = list(order.lines.order_by("position"))
    assert [(line.kind, line.quantity, line.line_total) for line in lines] == [
        (LineKind.PRODUCT, 2, Decimal("25.00")),
        (LineKind.SHIPPING, 1, Decimal("4.95")),
    ]
    payment = Payment.objects.get(order=order)
    assert (payment.method, payment.status, payment.amount) == (
        "cod",
        PaymentStatus.PENDING,
        Decimal("29.95"),
    )
    setup["cart"].refresh_from_db()
    assert setup["cart"].status == CartStatus.ORDERED
    assert AuditEntry.objects.filter(action="order.placed", customer=ann).count() == 1
    setup["product"].refresh_from_db()
    assert setup["product"].popularity == 2


def test_replay_with_the_same_key_returns_the_same_order(setup, ann, people):
    first = place(setup, ann, people)
    before = counts()

    again = place(setup, ann, people)

    assert again.pk == first.pk
    assert counts() == before
    assert stock_of(setup["product"]) == 3


def test_second_attempt_with_a_new_key_on_an_ordered_cart_is_refused(setup, ann, people):
    place(setup, ann, people)
    before = counts()

    with pytest.raises(CheckoutError, match="already been checked out"):
        place(setup, ann, people, key="key-2")

    assert counts() == before


def test_free_standard_shipping_over_threshold(ann, people):
    product = stocked_product(quantity=10, price="30.00")
    setup = {"cart": cart_with(people["customer"], (product, 2)), "address": address_for(ann)}
    order = place(setup, ann, people)
    assert (order.shipping_total, order.total) == (Decimal("0.00"), Decimal("60.00"))
    express = place(
        {"cart": cart_with(people["customer"], (product, 2)), "address": setup["address"]},
        ann,
        people,
        key="k-express",
        shipping="express",
    )
    assert express.total == Decimal("69.95")


def test_wallet_payment_debits_the_ledger(setup, ann, people):
    top_up_wallet(customer=ann, amount=Decimal("40.00"), actor=people["employee"])

    order = place(setup, ann, people, method="wallet")

    assert WalletAccount.objects.get(customer=ann).balance == Decimal("10.05")
    assert Payment.objects.get(order=order).status == PaymentStatus.CAPTURED


def test_wallet_too_small_writes_nothing(setup, ann, people):
    top_up_wallet(customer=ann, amount=Decimal("5.00"), actor=people["employee"])
    before = counts()

    with pytest.raises(InsufficientFunds):
        place(setup, ann, people, method="wallet")

    assert counts() == before
    assert stock_of(setup["product"]) == 5
    assert WalletAccount.objects.get(customer=ann).balance == Decimal("5.00")
    setup["cart"].refresh_from_db()
    assert setup["cart"].status == CartStatus.OPEN


def test_card_payment_keeps_only_last_four_and_is_captured(
    setup, ann, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(setup, ann, people, method="card", card_number="4242 4242 4242 4242")

    payment = Payment.objects.get(order=order)
    assert payment.card_last4 == "4242"
    assert payment.status == PaymentStatus.CAPTURED
    assert payment.provider == "test"
    stored = " ".join(str(v) for v in Payment.objects.values_list().get(pk=payment.pk))
    assert "4242424242424242" not in stored


@pytest.mark.parametrize("card", ["4000000000000002", "4242424242424241", "", "abcd"])
def test_declined_or_invalid_card_writes_nothing(setup, ann, people, card):
    before = counts()

    with pytest.raises(PaymentDeclined):
        place(setup, ann, people, method="card", card_number=card)

    assert counts() == before
    assert stock_of(setup["product"]) == 5


def test_credit_terms_only_for_allowed_customers_and_within_limit(setup, ann, people):
    with pytest.raises(CreditNotAllowed):
        place(setup, ann, people, method="credit_terms")
    CreditAccount.objects.create(customer=ann, allowed=True, days=14, limit=Decimal("40.00"))

    order = place(setup, ann, people, method="credit_terms")

    payment = Payment.objects.get(order=order)
    assert payment.status == PaymentStatus.PENDING
    assert round((payment.due_at - order.placed_at).total_seconds() / 86400) == 14
    second = cart_with(people["customer"], (setup["product"], 1))
    before = counts()
    with pytest.raises(CreditNotAllowed, match="credit limit"):
        place(
            {"cart": second, "address": setup["address"]},
            ann,
            people,
            method="credit_terms",
            key="k2",
        )
    assert counts() == before


def test_out_of_stock_writes_nothing(ann, people):
    plenty = stocked_product(quantity=50)
    scarce = stocked_product(quantity=1)
    setup = {
        "cart": cart_with(people["customer"], (plenty, 3), (scarce, 2)),
        "address": address_for(ann),
    }
    before = counts()

    with pytest.raises(OutOfStock, match="Only 1"):
        place(setup, ann, people)

    assert counts() == before
    assert (stock_of(plenty), stock_of(scarce)) == (50, 1)


def test_foreign_cart_and_foreign_address_are_refused(setup, ann, people):
    bob = Customer.objects.get(user=people["other_customer"])
    before = counts()
    with pytest.raises(CheckoutError, match="not yours"):
        place_order(
            cart=setup["cart"],
            customer=bob,
            address=address_for(bob),
            shipping_method="standard",
            payment_method="cod",
            idempotency_key="bob-1",
            actor=people["other_customer"],
        )
    with pytest.raises(CheckoutError, match="delivery addresses"):
        place({**setup, "address": address_for(bob)}, ann, people)
    assert counts() == before


def test_someone_elses_idempotency_key_does_not_leak_their_order(setup, ann, people):
    place(setup, ann, people, key="shared")
    bob = Customer.objects.get(user=people["other_customer"])
    product = stocked_product()
    with pytest.raises(CheckoutError):
        place_order(
            cart=cart_with(people["other_customer"], (product, 1)),
            customer=bob,
            address=address_for(bob),
            shipping_method="standard",
            payment_method="cod",
            idempotency_key="shared",
            actor=people["other_customer"],
        )


def test_price_comes_from_the_database_not_the_cart(setup, ann, people):
    # A line whose remembered price is tampered with still pays today's catalogue price.
    setup["cart"].lines.update(price_seen=Decimal("0.01"))
    order = place(setup, ann, people)
    assert order.subtotal == Decimal("25.00")


def test_bad_methods_and_empty_cart_are_refused(setup, ann, people):
    with pytest.raises(CheckoutError):
        place(setup, ann, people, shipping="teleport")
    with pytest.raises(CheckoutError):
        place(setup, ann, people, method="bitcoin")
    with pytest.raises(CheckoutError):
        place(setup, ann, people, key="")
    setup["cart"].lines.all().delete()
    with pytest.raises(CheckoutError, match="empty"):
        place(setup, ann, people)
    assert counts() == (0, 0, 0, 0)


def test_popularity_grows_by_each_lines_quantity_and_spares_other_products(ann, people):
    mug = stocked_product(quantity=9, name="MUG")
    jug = stocked_product(quantity=9, name="JUG")
    idle = stocked_product(quantity=9, name="BOWL")
    cart = cart_with(people["customer"], (mug, 3), (jug, 1))
    place({"cart": cart, "address": address_for(ann)}, ann, people)
    for p in (mug, jug, idle):
        p.refresh_from_db()
    assert (mug.popularity, jug.popularity, idle.popularity) == (3, 1, 0)
