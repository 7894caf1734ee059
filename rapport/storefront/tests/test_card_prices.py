"""A signed-in customer's own prices on product cards: the same number as the product page and
the cart, asked for once per listing page (the listing itself stays one shared cached copy)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.checkout.tests.factories import stocked_product
from rapport.core.testing import ALLOW, REDIRECT_LOGIN, Row, check_matrix, expect, login_customer
from rapport.customers.models import Customer
from rapport.customervalue.models import CustomerValue
from rapport.pricing import services
from rapport.pricing.queries import unit_price_for

pytestmark = pytest.mark.django_db
URL = reverse("storefront:my_prices")


@pytest.fixture
def priced(people):
    ann = Customer.objects.get(user=people["customer"])
    CustomerValue.objects.create(customer=ann, tier="important")
    price_list = services.save_price_list(actor=None, name="Important", vip_tier="important")
    reduced = stocked_product(price="10.00")
    plain = stocked_product(price="4.00")
    services.save_item(
        price_list=price_list,
        product=reduced,
        min_quantity=1,
        actor=None,
        percent_off=Decimal("15"),
    )
    return ann, reduced, plain


def test_only_reduced_prices_come_back_formatted_as_on_the_product_page(client, people, priced):
    ann, reduced, plain = priced
    login_customer(client, people["customer"])
    response = client.get(URL, {"ids": f"{reduced.public_id},{plain.public_id}"})
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert response.json() == {str(reduced.public_id): {"price": "£8.50", "list_price": "£10.00"}}
    assert unit_price_for(ann.pk, reduced, 1).unit_price == Decimal("8.50")
    page = client.get(reduced.get_absolute_url()).content.decode()
    assert '<span class="customer-price">£8.50</span>' in page  # the product page agrees


def test_another_customer_sees_list_prices(client, make_user, priced):
    _ann, reduced, _plain = priced
    login_customer(client, make_user("zed@example.com"))
    assert client.get(URL, {"ids": str(reduced.public_id)}).json() == {}


def test_bad_ids_and_too_many_ids_are_refused_clearly(client, people, priced):
    login_customer(client, people["customer"])
    bad = client.get(URL, {"ids": "not-a-uuid"})
    assert bad.status_code == 400 and bad.json() == {"error": "A product id is not valid."}
    _ann, reduced, _plain = priced
    many = client.get(URL, {"ids": ",".join([str(reduced.public_id)] * 61)})
    assert many.status_code == 400 and "at most 60" in many.json()["error"]


def test_cards_carry_the_hook_and_the_script_only_for_signed_in_people(client, people, priced):
    _ann, reduced, _plain = priced
    listing = reduced.category.get_absolute_url()
    anonymous = client.get(listing).content.decode()
    assert f'data-product-price="{reduced.public_id}"' in anonymous
    assert "js/prices" not in anonymous
    login_customer(client, people["customer"])
    signed_in = client.get(listing).content.decode()
    assert f'data-url="{URL}"' in signed_in and "js/prices" in signed_in


def test_permission_matrix(clients, priced):
    _ann, reduced, _plain = priced
    rows = [
        Row(
            "my prices",
            URL + f"?ids={reduced.public_id}",
            expect(everyone=ALLOW, anonymous=REDIRECT_LOGIN),
        ),
        Row("my prices (post)", URL, expect(everyone=405, anonymous=REDIRECT_LOGIN), "post"),
    ]
    assert check_matrix(rows, clients, {}) == []
