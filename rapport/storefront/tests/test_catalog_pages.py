import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.catalog.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_home_lists_categories_and_products(client):
    root = CategoryFactory(name="Home & Living", slug="home-living")
    child = CategoryFactory(name="Candles & Lights", slug="candles-lights", parent=root)
    ProductFactory(name="WHITE HANGING HEART T-LIGHT HOLDER", category=child)

    response = client.get(reverse("storefront:home"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Home &amp; Living" in body
    assert "Candles &amp; Lights" in body
    assert "WHITE HANGING HEART T-LIGHT HOLDER" in body


def test_home_on_an_empty_store_says_how_to_load_data(client):
    response = client.get(reverse("storefront:home"))

    assert response.status_code == 200
    assert "import_online_retail" in response.content.decode()


def test_category_page_includes_products_of_subcategories(client):
    root = CategoryFactory(name="Kitchen", slug="kitchen")
    child = CategoryFactory(name="Mugs", slug="mugs", parent=root)
    ProductFactory(name="SPOTTY MUG", category=child)
    ProductFactory(name="ELSEWHERE", category=CategoryFactory())

    response = client.get(reverse("storefront:category", kwargs={"slug": "kitchen"}))

    body = response.content.decode()
    assert response.status_code == 200
    assert "SPOTTY MUG" in body
    assert "ELSEWHERE" not in body
    assert "1 product" in body


def test_unknown_category_is_404(client):
    response = client.get(reverse("storefront:category", kwargs={"slug": "nope"}))
    assert response.status_code == 404


def test_product_page_shows_price_and_code(client):
    product = ProductFactory(name="REGENCY CAKESTAND 3 TIER", sku="22423", price=Decimal("12.75"))

    response = client.get(product.get_absolute_url())

    body = response.content.decode()
    assert response.status_code == 200
    assert "REGENCY CAKESTAND 3 TIER" in body
    assert "12.75" in body
    assert "22423" in body


def test_product_with_wrong_slug_redirects_to_canonical_url(client):
    product = ProductFactory(name="JUMBO BAG RED RETROSPOT")

    response = client.get(
        reverse("storefront:product", kwargs={"public_id": product.public_id, "slug": "old-name"})
    )

    assert response.status_code == 301
    assert response["Location"] == product.get_absolute_url()


def test_inactive_or_unpriced_products_are_hidden(client):
    hidden = ProductFactory(name="RETIRED ITEM", is_active=False)
    unpriced = ProductFactory(name="NO PRICE", price=None)

    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(unpriced.get_absolute_url()).status_code == 404
    assert client.get(f"/p/{uuid.uuid4()}/no-such-thing/").status_code == 404
    assert client.get("/p/not-a-uuid/no-such-thing/").status_code == 404
    assert "RETIRED ITEM" not in client.get(reverse("storefront:home")).content.decode()


def test_category_listing_query_count_does_not_grow_with_products(
    client, django_assert_max_num_queries
):
    cat = CategoryFactory(slug="gifts")
    ProductFactory.create_batch(30, category=cat)

    with django_assert_max_num_queries(6):
        response = client.get(reverse("storefront:category", kwargs={"slug": "gifts"}))

    assert response.status_code == 200


def test_robots_txt_does_not_name_the_staff_entrance(client, settings):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert settings.RAPPORT_STAFF_PATH not in response.content.decode()


def test_home_asks_for_picks_only_for_signed_in_customers(client, make_user):
    assert 'id="picked-for-you"' not in client.get(reverse("storefront:home")).content.decode()

    client.force_login(make_user("ann@example.com"))

    body = client.get(reverse("storefront:home")).content.decode()
    assert 'id="picked-for-you"' in body
    assert reverse("storefront:suggestions_for_you") in body


def test_header_links_follow_the_script_prefix(client):
    from django.test.utils import override_script_prefix

    search = reverse("storefront:search")
    assert 'href="/cart/"' in client.get(search, {"q": "mug"}).content.decode()

    with override_script_prefix("/shop/"):
        body = client.get(search, {"q": "mug"}).content.decode()

    assert 'href="/shop/cart/"' in body
    assert 'href="/shop/login/"' in body
    assert 'href="/cart/"' in client.get(search, {"q": "mug"}).content.decode()
