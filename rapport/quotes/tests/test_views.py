"""Quotes over HTTP: the permission matrix for every new URL, and refused tampering."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.checkout.tests.factories import stocked_product
from rapport.core.testing import (
    ALLOW,
    NOT_FOUND,
    REDIRECT_HOME,
    REDIRECT_LOGIN,
    Row,
    check_matrix,
    redirect_to,
)
from rapport.orders.models import Order
from rapport.quotes import services
from rapport.quotes.models import Quote, QuoteStatus, QuoteVersion
from rapport.quotes.tests.factories import CARD_OK, customer_of, in_days, line, sent_quote

pytestmark = pytest.mark.django_db

CUSTOMER_OWN = {
    "anonymous": REDIRECT_LOGIN,
    "customer": ALLOW,
    "other_customer": NOT_FOUND,
    "employee": NOT_FOUND,
    "manager": NOT_FOUND,
}
STAFF = {
    "anonymous": REDIRECT_HOME,
    "customer": REDIRECT_HOME,
    "other_customer": REDIRECT_HOME,
    "employee": ALLOW,
    "manager": ALLOW,
}


def _draft(staff, ann, product):
    return services.create_quote(
        customer=ann, actor=staff, lines=[line(product, 2, "9.00")], valid_until=in_days(5)
    )


@pytest.fixture
def objects(people):
    ann = customer_of(people["customer"])
    product = stocked_product(quantity=50, price="10.00", sku="PEN")
    staff = people["employee"]
    return {
        "ann": ann,
        "product": product,
        "sent": sent_quote(staff, ann, line(product, 2, "9.00")),
        "declinable": sent_quote(staff, ann, line(product, 2, "9.00")),
        "draft": _draft(staff, ann, product),
        "to_send": _draft(staff, ann, product),
        "to_withdraw": _draft(staff, ann, product),
    }


def url(name, key):
    return lambda o: reverse(name, kwargs={"public_id": o[key].public_id})


def detail(key, portal=False):
    name = "portal:quote_detail" if portal else "storefront:quote_detail"
    return lambda o: reverse(name, kwargs={"public_id": o[key].public_id})


def test_storefront_quotes_matrix(clients, objects):
    rows = [
        Row(
            "storefront:quotes",
            reverse("storefront:quotes"),
            {**CUSTOMER_OWN, "other_customer": ALLOW},  # their own (empty) list
        ),
        Row("storefront:quote_detail", url("storefront:quote_detail", "sent"), CUSTOMER_OWN),
        Row(
            "storefront:quote_counter",
            url("storefront:quote_counter", "sent"),
            {**CUSTOMER_OWN, "customer": 400},
            method="post",
        ),
        Row(
            "storefront:quote_accept",
            url("storefront:quote_accept", "sent"),
            {**CUSTOMER_OWN, "customer": 400},
            method="post",
        ),
    ]
    assert check_matrix(rows, clients, objects) == []
    own = clients["customer"].get(reverse("storefront:quotes")).content.decode()
    other = clients["other_customer"].get(reverse("storefront:quotes")).content.decode()
    assert objects["sent"].number in own and objects["draft"].number not in own
    assert objects["sent"].number not in other
    decline = Row(
        "storefront:quote_decline",
        url("storefront:quote_decline", "declinable"),
        {**CUSTOMER_OWN, "customer": "pending"},
        method="post",
    )
    decline.expect["customer"] = redirect_to(detail("declinable")(objects))
    assert check_matrix([decline], clients, objects) == []
    assert Quote.objects.get(pk=objects["declinable"].pk).status == QuoteStatus.DECLINED


def test_portal_quotes_matrix(clients, objects):
    ann_url = reverse("portal:quote_create", kwargs={"public_id": objects["ann"].public_id})
    rows = [
        Row("portal:quotes", reverse("portal:quotes"), STAFF),
        Row("portal:quote_create", ann_url, STAFF),
        Row(
            "portal:quote_create post",
            ann_url,
            {**STAFF, "employee": 400, "manager": 400},
            method="post",
        ),
        Row("portal:quote_detail", url("portal:quote_detail", "draft"), STAFF),
        Row(
            "portal:quote_edit",
            url("portal:quote_edit", "draft"),
            {**STAFF, "employee": 400, "manager": 400},
            method="post",
        ),
        Row(
            "portal:quote_counter",
            url("portal:quote_counter", "sent"),
            {**STAFF, "employee": 400, "manager": 400},
            method="post",
        ),
        Row(
            "portal:quote_accept",
            url("portal:quote_accept", "sent"),
            {**STAFF, "employee": 400, "manager": 400},
            method="post",
        ),
        # The first send or withdrawal works; the manager's repeat is refused as already done.
        Row(
            "portal:quote_send",
            url("portal:quote_send", "to_send"),
            {**STAFF, "employee": redirect_to(detail("to_send", True)(objects)), "manager": 400},
            method="post",
        ),
        Row(
            "portal:quote_withdraw",
            url("portal:quote_withdraw", "to_withdraw"),
            {
                **STAFF,
                "employee": redirect_to(detail("to_withdraw", True)(objects)),
                "manager": 400,
            },
            method="post",
        ),
        Row(
            "portal:quote_seen",
            url("portal:quote_seen", "sent"),
            {
                **STAFF,
                "employee": redirect_to(detail("sent", True)(objects)),
                "manager": redirect_to(detail("sent", True)(objects)),
            },
            method="post",
        ),
    ]
    assert check_matrix(rows, clients, objects) == []
    assert Quote.objects.get(pk=objects["to_send"].pk).status == QuoteStatus.SENT
    assert Quote.objects.get(pk=objects["to_withdraw"].pk).status == QuoteStatus.WITHDRAWN


def test_an_employee_does_not_see_a_colleagues_quote(clients, objects, make_user, people):
    from django.test import Client

    from rapport.accounts.roles import EMPLOYEE
    from rapport.core.testing import login_staff

    colleague = make_user("carl@staff.example.com", role=EMPLOYEE)
    client = Client()
    login_staff(client, colleague)
    page = client.get(
        reverse("portal:quote_detail", kwargs={"public_id": objects["sent"].public_id})
    )
    assert page.status_code == 404
    assert b"PEN" not in client.get(reverse("portal:quotes")).content


def test_customer_counters_and_accepts_over_http(clients, objects, people):
    quote = objects["sent"]
    client = clients["customer"]
    counter = client.post(
        reverse("storefront:quote_counter", kwargs={"public_id": quote.public_id}),
        {
            "version": "1",
            "sku": ["PEN"],
            "quantity": ["3"],
            "unit_price": ["8.50"],
            "valid_until": in_days(4).isoformat(),
            "note": "three at 8.50",
        },
    )
    assert counter.status_code == 302
    v2 = QuoteVersion.objects.get(quote=quote, number=2)
    assert v2.total == Decimal("25.50")

    # The employee counters back from the portal; the customer accepts version 3.
    back = clients["employee"].post(
        reverse("portal:quote_counter", kwargs={"public_id": quote.public_id}),
        {
            "version": "2",
            "sku": ["PEN", ""],
            "quantity": ["3", ""],
            "unit_price": ["8.75", ""],
            "valid_until": in_days(4).isoformat(),
        },
    )
    assert back.status_code == 302
    # Accepting the old version 2 (a stale tab) is refused, nothing written.
    address = objects["ann"].addresses.first()
    accept = {
        "address": str(address.public_id),
        "shipping": "standard",
        "payment": "card",
        "card_number": CARD_OK,
    }
    url_accept = reverse("storefront:quote_accept", kwargs={"public_id": quote.public_id})
    stale = client.post(url_accept, {**accept, "version": "2"})
    assert stale.status_code == 400 and "newer version" in stale.content.decode()
    assert Order.objects.count() == 0

    done = client.post(url_accept, {**accept, "version": "3"})

    order = Order.objects.get()
    assert done.status_code == 302 and str(order.public_id) in done["Location"]
    assert order.subtotal == Decimal("26.25") and order.source == "quote"
    page = client.get(reverse("storefront:orders"))
    assert order.number in page.content.decode()


def test_a_customer_cannot_accept_with_another_customers_address(clients, objects, people):
    from rapport.checkout.tests.factories import address_for
    from rapport.customers.models import Customer

    bob = Customer.objects.get(user=people["other_customer"])
    foreign = address_for(bob)
    quote = objects["sent"]
    response = clients["customer"].post(
        reverse("storefront:quote_accept", kwargs={"public_id": quote.public_id}),
        {
            "version": "1",
            "address": str(foreign.public_id),
            "shipping": "standard",
            "payment": "card",
            "card_number": CARD_OK,
        },
    )
    assert response.status_code == 400
    assert Order.objects.count() == 0
    assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.SENT


def test_staff_create_a_quote_from_the_customer_page(clients, objects):
    response = clients["employee"].post(
        reverse("portal:quote_create", kwargs={"public_id": objects["ann"].public_id}),
        {
            "sku": ["PEN", "", ""],
            "quantity": ["7", "", ""],
            "unit_price": ["", "", ""],
            "valid_until": in_days(9).isoformat(),
            "note": "for the office",
        },
    )
    assert response.status_code == 302
    quote = Quote.objects.filter(status=QuoteStatus.DRAFT).order_by("-id").first()
    version = quote.versions.get()
    assert version.total == Decimal("70.00")  # blank price: the product's current price
    page = clients["employee"].get(response["Location"])
    assert b"Send to the customer" in page.content


def test_quote_lists_read_a_bounded_number_of_queries(
    clients, objects, people, django_assert_max_num_queries
):
    for _ in range(15):
        sent_quote(people["employee"], objects["ann"], line(objects["product"], 1, "9.00"))
    with django_assert_max_num_queries(12):
        staff_page = clients["employee"].get(reverse("portal:quotes"))
    with django_assert_max_num_queries(12):
        store_page = clients["customer"].get(reverse("storefront:quotes"))
    assert staff_page.status_code == store_page.status_code == 200
    assert staff_page.content.decode().count("/quotes/") >= 20


def test_the_customer_page_lists_their_quotes_for_staff(clients, objects):
    page = clients["employee"].get(
        reverse("portal:customer_detail", kwargs={"public_id": objects["ann"].public_id})
    )
    assert page.status_code == 200
    assert objects["sent"].number in page.content.decode()
    assert "New quote" in page.content.decode()


def test_drafts_are_edited_in_the_portal_and_hidden_from_the_customer(clients, objects):
    draft = objects["draft"]
    hidden = clients["customer"].get(
        reverse("storefront:quote_detail", kwargs={"public_id": draft.public_id})
    )
    assert hidden.status_code == 404
    edited = clients["employee"].post(
        reverse("portal:quote_edit", kwargs={"public_id": draft.public_id}),
        {
            "sku": ["PEN", ""],
            "quantity": ["4", ""],
            "unit_price": ["8.00", ""],
            "valid_until": in_days(6).isoformat(),
            "note": "four pens",
        },
    )
    assert edited.status_code == 302
    version = QuoteVersion.objects.get(quote=draft)
    assert (version.total, version.note) == (Decimal("32.00"), "four pens")


def test_staff_cannot_accept_their_own_offer_over_http(clients, objects):
    quote = objects["sent"]
    response = clients["employee"].post(
        reverse("portal:quote_accept", kwargs={"public_id": quote.public_id}),
        {
            "version": "1",
            "address": str(objects["ann"].addresses.first().public_id),
            "shipping": "standard",
            "payment": "cod",
        },
    )
    assert response.status_code == 400
    assert "your own offer" in response.content.decode()
    assert Order.objects.count() == 0
    assert Quote.objects.get(pk=quote.pk).status == QuoteStatus.SENT
