"""Permission matrix for every storefront and portal URL the shopping flow adds."""

from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.core.testing import (
    ALLOW,
    NOT_FOUND,
    REDIRECT_HOME,
    REDIRECT_LOGIN,
    Row,
    check_matrix,
)
from rapport.customers.models import Customer
from rapport.inventory.models import StockMove
from rapport.payments.models import WalletEntry

pytestmark = pytest.mark.django_db

EVERYONE_OK = dict.fromkeys(
    ("anonymous", "customer", "other_customer", "employee", "manager"), ALLOW
)
CART = "redirect:" + "/cart/"
CUSTOMER_PAGE = {
    "anonymous": REDIRECT_LOGIN,
    "customer": ALLOW,
    "other_customer": ALLOW,
    "employee": ALLOW,
    "manager": ALLOW,
}
OWN_ORDER = {**CUSTOMER_PAGE, "other_customer": NOT_FOUND}
STAFF_ONLY = {
    "anonymous": REDIRECT_HOME,
    "customer": REDIRECT_HOME,
    "other_customer": REDIRECT_HOME,
    "employee": ALLOW,
    "manager": ALLOW,
}


@pytest.fixture
def objects(people):
    ann = Customer.objects.get(user=people["customer"])
    product = stocked_product(quantity=100)
    order = place_order(
        cart=cart_with(people["customer"], (product, 1)),
        customer=ann,
        address=address_for(ann),
        shipping_method="standard",
        payment_method="cod",
        idempotency_key="matrix",
        actor=people["customer"],
    )
    return {"order": order, "product": product, "customer": ann}


def storefront_rows():
    return [
        Row("search", reverse("storefront:search") + "?q=product", EVERYONE_OK),
        Row("suggest", reverse("storefront:search_suggest") + "?q=pro", EVERYONE_OK),
        Row("chat_invite", reverse("storefront:chat_invite"), EVERYONE_OK),
        Row("cart", reverse("storefront:cart"), EVERYONE_OK),
        # Without the browser's Origin / Sec-Fetch-Site (tests/test_translations.py has both).
        Row(
            "language",
            reverse("storefront:language"),
            dict.fromkeys(EVERYONE_OK, 403),
            method="post",
        ),
        Row(
            "cart_update",
            reverse("storefront:cart_update"),
            dict.fromkeys(EVERYONE_OK, CART),
            method="post",
        ),
        Row(
            "cart_remove",
            reverse("storefront:cart_remove"),
            dict.fromkeys(EVERYONE_OK, CART),
            method="post",
        ),
        Row(
            "cart_accept",
            reverse("storefront:cart_accept_prices"),
            dict.fromkeys(EVERYONE_OK, CART),
            method="post",
        ),
        Row(
            "checkout",
            reverse("storefront:checkout"),
            {**dict.fromkeys(EVERYONE_OK, CART), "anonymous": REDIRECT_LOGIN},
        ),
        Row(
            "checkout_verify",
            reverse("storefront:checkout_verify"),
            {**dict.fromkeys(EVERYONE_OK, CART), "anonymous": REDIRECT_LOGIN},
        ),
        Row(
            "webhook unsigned",
            reverse("storefront:payment_webhook", kwargs={"provider": "test"}),
            dict.fromkeys(EVERYONE_OK, 400),
            method="post",
        ),
        Row("orders", reverse("storefront:orders"), CUSTOMER_PAGE),
        Row(
            "order",
            lambda o: reverse("storefront:order", kwargs={"public_id": o["order"].public_id}),
            OWN_ORDER,
        ),
        Row(
            "receipt",
            lambda o: reverse(
                "storefront:order_receipt", kwargs={"public_id": o["order"].public_id}
            ),
            OWN_ORDER,
        ),
    ]


def test_storefront_shop_matrix(clients, objects):
    assert check_matrix(storefront_rows(), clients, objects) == []


def test_add_to_cart_matrix(clients, objects):
    row = Row(
        "cart_add",
        reverse("storefront:cart_add"),
        dict.fromkeys(EVERYONE_OK, CART),
        method="post",
        data={"product": str(objects["product"].public_id), "quantity": "1"},
    )
    by_path = Row(
        "cart_add_product",
        reverse("storefront:cart_add_product", kwargs={"public_id": objects["product"].public_id}),
        dict.fromkeys(EVERYONE_OK, CART),
        method="post",
    )
    assert check_matrix([row, by_path], clients, objects) == []


def test_portal_shop_matrix(clients, objects):
    order, customer, product = objects["order"], objects["customer"], objects["product"]
    wallet_url = reverse("portal:wallet", kwargs={"public_id": customer.public_id})
    stock_url = reverse("portal:stock", kwargs={"public_id": product.public_id})
    rows = [
        Row("orders", reverse("portal:orders"), STAFF_ONLY),
        Row("order", reverse("portal:order", kwargs={"public_id": order.public_id}), STAFF_ONLY),
        Row("wallet", wallet_url, STAFF_ONLY),
        Row("stock list", reverse("portal:stock_list"), STAFF_ONLY),
        Row("stock", stock_url, STAFF_ONLY),
        Row(
            "wallet top-up",
            wallet_url,
            {
                **STAFF_ONLY,
                "employee": "redirect:" + wallet_url,
                "manager": "redirect:" + wallet_url,
            },
            method="post",
            data={"amount": "5.00", "note": "matrix"},
        ),
        Row(
            "stock adjust",
            stock_url,
            {**STAFF_ONLY, "employee": "redirect:" + stock_url, "manager": "redirect:" + stock_url},
            method="post",
            data={"form": "adjust", "delta": "1", "reason": "restock"},
        ),
    ]
    assert check_matrix(rows, clients, objects) == []
    # Only the two staff members' POSTs went through.
    assert WalletEntry.objects.filter(kind="top_up").count() == 2
    assert WalletEntry.objects.get(
        kind="top_up", actor__email="emma@staff.example.com"
    ).amount == Decimal("5.00")
    assert StockMove.objects.filter(reason="restock").count() == 2


def test_payment_return_page_matrix(clients, objects):
    """The hosted-payment return page: only who may see the order; an order with nothing
    awaiting payment (cash on delivery here) sends them on to the order page."""
    order = objects["order"]
    to_order = "redirect:" + reverse("storefront:order", kwargs={"public_id": order.public_id})
    row = Row(
        "checkout_return",
        reverse("storefront:checkout_return", kwargs={"public_id": order.public_id}),
        {
            "anonymous": REDIRECT_LOGIN,
            "customer": to_order,
            "other_customer": NOT_FOUND,
            "employee": to_order,
            "manager": to_order,
        },
    )
    assert check_matrix([row], clients, objects) == []
