"""The cart over HTTP: anonymous and signed-in, merge at login, click edits, bad input."""

from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rapport.cart.access import CART_COOKIE, CART_COOKIE_SALT
from rapport.cart.models import Cart, CartLine, CartStatus
from rapport.checkout.tests.factories import stocked_product

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def add(client, product, quantity="1", **extra):
    return client.post(
        reverse("storefront:cart_add"),
        {"product": str(product.public_id), "quantity": quantity},
        **extra,
    )


def name_cart_in_cookie(client, cart, *, signed=True):
    """What a browser would send after `set_signed_cookie` (or a hand-made, unsigned value)."""
    value = str(cart.public_id)
    if signed:
        response = HttpResponse()
        response.set_signed_cookie(CART_COOKIE, value, salt=CART_COOKIE_SALT)
        value = response.cookies[CART_COOKIE].value
    client.cookies[CART_COOKIE] = value


def lines(user=None):
    qs = CartLine.objects.filter(cart__status=CartStatus.OPEN)
    if user is not None:
        qs = qs.filter(cart__user=user)
    return sorted(qs.values_list("product__sku", "quantity"))


def test_anonymous_visitor_adds_and_sees_cart(client):
    product = stocked_product(name="SPOTTY MUG", price="3.25")

    response = add(client, product, "3")

    assert response.status_code == 302
    page = client.get(reverse("storefront:cart")).content.decode()
    assert "SPOTTY MUG" in page
    assert "9.75" in page
    assert Cart.objects.get().user is None


def test_anonymous_cart_is_merged_into_the_users_cart_after_login(client, people):
    mug, bag = stocked_product(sku="MUG"), stocked_product(sku="BAG")
    existing = Cart.objects.create(user=people["customer"])
    CartLine.objects.create(cart=existing, product=mug, quantity=2, price_seen=mug.price)
    add(client, mug, "1")
    add(client, bag, "4")
    anonymous = Cart.objects.get(user__isnull=True)

    client.force_login(people["customer"])  # rotates the session key, keeps the data
    client.get(reverse("storefront:cart"))

    assert lines(people["customer"]) == [("BAG", 4), ("MUG", 3)]
    anonymous.refresh_from_db()
    assert anonymous.status == CartStatus.MERGED
    assert client.cookies[CART_COOKIE].value == ""  # the cookie is deleted with the merge


def test_anonymous_cart_needs_no_session_and_survives_a_new_browser_session(client):
    product = stocked_product(name="PAPER CHAIN KIT")

    add(client, product, "2")

    assert Session.objects.count() == 0  # the cart is named by its own signed cookie
    assert client.cookies[CART_COOKIE]["httponly"]
    assert int(client.cookies[CART_COOKIE]["max-age"]) == 30 * 24 * 3600
    later = Client()  # the browser was closed; the persistent cookie is still there
    later.cookies[CART_COOKIE] = client.cookies[CART_COOKIE].value
    assert "PAPER CHAIN KIT" in later.get(reverse("storefront:cart")).content.decode()


def test_logging_out_drops_the_anonymous_cart_cookie(client, people):
    add(client, stocked_product(name="BEFORE LOGIN"), "1")
    client.force_login(people["customer"])  # never looked at the cart while signed in

    client.post(reverse("storefront:logout"))

    assert client.cookies[CART_COOKIE].value == ""
    assert "Your cart is empty" in client.get(reverse("storefront:cart")).content.decode()


def test_signed_in_cart_is_found_from_another_device(people):
    product = stocked_product(name="CAKESTAND")
    laptop, phone = Client(), Client()
    laptop.force_login(people["customer"])
    phone.force_login(people["customer"])

    add(laptop, product, "2")

    assert "CAKESTAND" in phone.get(reverse("storefront:cart")).content.decode()


def test_htmx_plus_minus_and_remove(client):
    product = stocked_product(sku="P1")
    add(client, product, "2")
    url = reverse("storefront:cart_update")

    r = client.post(url, {"product": str(product.public_id), "action": "inc"}, **HTMX)
    assert r.status_code == 200 and 'id="cart"' not in r.content.decode()
    assert lines() == [("P1", 3)]
    client.post(url, {"product": str(product.public_id), "action": "dec"}, **HTMX)
    assert lines() == [("P1", 2)]
    client.post(reverse("storefront:cart_remove"), {"product": str(product.public_id)}, **HTMX)
    assert lines() == []


def test_minus_on_last_unit_removes_line(client):
    product = stocked_product(sku="P1")
    add(client, product, "1")
    client.post(
        reverse("storefront:cart_update"), {"product": str(product.public_id), "action": "dec"}
    )
    assert lines() == []


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "at least 1"),
        ("-3", "at least 1"),
        ("100000", "At most 99"),
        ("ten", "whole number"),
        ("", "whole number"),
        ("1e3", "whole number"),
    ],
)
def test_bad_quantity_gets_a_clear_message_and_changes_nothing(client, quantity, message):
    product = stocked_product()
    add(client, product, "2")

    response = add(client, product, quantity, follow=True)

    assert message in response.content.decode()
    assert [q for _s, q in lines()] == [2]
    r = client.post(
        reverse("storefront:cart_update"),
        {"product": str(product.public_id), "action": "set", "quantity": quantity},
        **HTMX,
    )
    assert message in r.content.decode()
    assert [q for _s, q in lines()] == [2]


def test_tampered_or_unknown_product_id_is_404_and_adds_nothing(client):
    hidden = stocked_product(is_active=False)
    assert add(client, hidden).status_code == 404
    r = client.post(reverse("storefront:cart_add"), {"product": "not-a-uuid", "quantity": "1"})
    assert r.status_code == 404
    assert CartLine.objects.count() == 0


def test_price_in_the_form_is_ignored(client):
    product = stocked_product(price="8.00")
    client.post(
        reverse("storefront:cart_add"),
        {"product": str(product.public_id), "quantity": "1", "price": "0.01"},
    )
    assert CartLine.objects.get().price_seen == Decimal("8.00")


def test_changed_price_and_stock_are_flagged(client):
    product = stocked_product(quantity=5, price="4.00", name="LANTERN")
    add(client, product, "4")
    product.price = Decimal("4.50")
    product.save()
    product.stock.quantity = 2
    product.stock.save()

    body = client.get(reverse("storefront:cart")).content.decode()

    assert "The price changed from £4.00 to £4.50" in body
    assert "Only 2 left in stock" in body
    assert reverse("storefront:checkout") not in body.split("Subtotal")[1]

    client.post(reverse("storefront:cart_accept_prices"))
    body = client.get(reverse("storefront:cart")).content.decode()
    assert "The price changed" not in body


def test_foreign_expired_or_unsigned_cart_cookie_is_ignored(client, people, settings):
    other = Cart.objects.create(user=people["other_customer"])
    name_cart_in_cookie(client, other)
    assert "empty" in client.get(reverse("storefront:cart")).content.decode()
    add(client, stocked_product(name="MY OWN ITEM"))  # a cart of the visitor's own, named anew
    assert lines(people["other_customer"]) == []
    assert client.cookies[CART_COOKIE].value.split(":")[0] != str(other.public_id)
    assert "MY OWN ITEM" in client.get(reverse("storefront:cart")).content.decode()
    client.cookies.pop(CART_COOKIE)

    someone = Cart.objects.create()
    CartLine.objects.create(
        cart=someone, product=stocked_product(name="THEIR ITEM"), quantity=1, price_seen=1
    )
    name_cart_in_cookie(client, someone, signed=False)  # a public id learnt some other way
    assert "THEIR ITEM" not in client.get(reverse("storefront:cart")).content.decode()

    old = Cart.objects.create()
    Cart.objects.filter(pk=old.pk).update(updated_at="2020-01-01T00:00:00Z")
    CartLine.objects.create(
        cart=old, product=stocked_product(name="OLD ITEM"), quantity=1, price_seen=1
    )
    name_cart_in_cookie(client, old)
    assert "OLD ITEM" not in client.get(reverse("storefront:cart")).content.decode()


def test_cart_page_query_count_does_not_grow_with_lines(client, django_assert_max_num_queries):
    for _ in range(15):
        add(client, stocked_product())

    # The cart, then its lines + products + stock + bundle flags (no session: the cart cookie).
    with django_assert_max_num_queries(2):
        response = client.get(reverse("storefront:cart"))

    assert response.status_code == 200
    assert response.content.decode().count('class="cart-line') == 15


def test_adding_again_is_four_statements(client):
    # Product, cart (no session: the cart cookie); then in one transaction: touch the open
    # cart, grow the line.
    product = stocked_product(sku="P1")
    add(client, product, "1")

    with CaptureQueriesContext(connection) as ctx:
        response = add(client, product, "2")

    assert response.status_code == 302
    statements = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].split()[0] not in {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"}
    ]
    assert [s.split()[0] for s in statements] == ["SELECT", "SELECT", "UPDATE", "UPDATE"]
    assert lines() == [("P1", 3)]


def test_line_form_remove_and_odd_actions_change_only_this_cart(client):
    mine, other = stocked_product(sku="P1"), stocked_product(sku="P2")
    add(client, mine, "2")
    url = reverse("storefront:cart_update")

    # A product that is not in this cart: nothing to remove, nothing created.
    client.post(url, {"product": str(other.public_id), "action": "remove"}, **HTMX)
    assert lines() == [("P1", 2)]
    # An unknown action is read as "set" and needs a valid quantity.
    r = client.post(url, {"product": str(mine.public_id), "action": "explode"}, **HTMX)
    assert "whole number" in r.content.decode()
    assert lines() == [("P1", 2)]
    # The line form's Remove button.
    client.post(url, {"product": str(mine.public_id), "action": "remove"}, **HTMX)
    client.post(url, {"product": str(mine.public_id), "action": "remove"}, **HTMX)  # double click
    assert lines() == []


def test_cart_rows_escape_what_they_print(client):
    product = stocked_product(name='<b>MUG & "CO"</b>', price="4.00", quantity=1)
    add(client, product, "1")
    from rapport.catalog.models import Product

    Product.objects.filter(pk=product.pk).update(price="4.50")  # a warning on the row, too

    body = client.get(reverse("storefront:cart")).content.decode()

    assert "&lt;b&gt;MUG &amp; &quot;CO&quot;&lt;/b&gt;" in body
    assert "<b>MUG" not in body
    row = body[body.index('<tr class="cart-line flagged">') :].split("</tr>")[0]
    assert "The price changed from £4.00 to £4.50" in row
    assert 'name="csrfmiddlewaretoken"' in row and 'value="1"' in row
