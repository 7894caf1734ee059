"""`Product.is_sellable`, the path helpers and the hand-written product reads agree with what
they stand for (the ORM, `reverse`)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.catalog.models import SELLABLE, Product, category_url, product_url
from rapport.catalog.queries import product_for_cart, product_page, product_page_state
from rapport.catalog.tests.factories import CategoryFactory, ProductFactory
from rapport.inventory.models import StockRecord

pytestmark = pytest.mark.django_db


def test_is_sellable_is_the_sellable_condition():
    ProductFactory(price=Decimal("2.00"))
    ProductFactory(price=Decimal("2.00"), is_active=False)
    ProductFactory(price=None)
    ProductFactory(price=Decimal("0.00"))

    in_sql = set(Product.objects.filter(SELLABLE).values_list("pk", flat=True))

    assert {p.pk for p in Product.objects.all() if p.is_sellable} == in_sql
    assert len(in_sql) == 1


def test_product_url_is_what_reverse_gives():
    product = ProductFactory(name="Red Retrospot Cake Stand")

    expected = reverse(
        "storefront:product", kwargs={"public_id": product.public_id, "slug": product.slug}
    )
    assert product_url(product.public_id, product.slug) == expected
    assert product.get_absolute_url() == expected


def test_category_url_is_what_reverse_gives():
    category = CategoryFactory(name="Candles & Lights", slug="candles-lights")

    expected = reverse("storefront:category", kwargs={"slug": "candles-lights"})
    assert category_url("candles-lights") == expected
    assert category.get_absolute_url() == expected


def test_product_for_cart_reads_the_product_or_none():
    made = ProductFactory(price=Decimal("12.50"), is_active=False)

    found = product_for_cart(made.public_id)

    assert found is not None
    assert (found.pk, found.name, found.price, found.is_active) == (
        made.pk,
        made.name,
        Decimal("12.50"),
        False,
    )
    assert not found.is_sellable
    assert product_for_cart(uuid.uuid4()) is None


def test_product_page_reads_product_category_parent_and_stock_in_one_query(
    django_assert_num_queries,
):
    home = CategoryFactory(name="Home")
    lights = CategoryFactory(name="Lights", parent=home)
    made = ProductFactory(
        category=lights, price=Decimal("12.50"), description="Tin lantern.", sku="LANT-1"
    )
    StockRecord.objects.create(product=made, quantity=7)

    with django_assert_num_queries(1):
        page = product_page(made.public_id)
        assert page is not None
        product = page.product
        names = (product.category.name, product.category.parent.name)

    assert page.in_stock == 7
    assert names == ("Lights", "Home")
    assert (product.pk, product.public_id, product.sku, product.slug) == (
        made.pk,
        made.public_id,
        "LANT-1",
        made.slug,
    )
    assert (product.price, product.description) == (Decimal("12.50"), "Tin lantern.")
    made.refresh_from_db()
    assert product.updated_at == made.updated_at


def test_product_page_without_category_or_stock_record():
    made = ProductFactory(category=None)

    page = product_page(made.public_id)

    assert page is not None
    assert page.product.category is None
    assert page.in_stock == 0
    root = ProductFactory(category=CategoryFactory(name="Root"))
    found = product_page(root.public_id)
    assert found is not None and found.product.category.parent is None


def test_product_page_and_its_state_are_none_for_what_is_not_on_sale():
    hidden = ProductFactory(is_active=False)
    unpriced = ProductFactory(price=None)

    for product in (hidden, unpriced):
        assert product_page(product.public_id) is None
        assert product_page_state(product.public_id) is None
    assert product_page(uuid.uuid4()) is None
    assert product_page_state(uuid.uuid4()) is None


def test_product_page_state_is_slug_update_time_and_stock():
    made = ProductFactory()
    assert product_page_state(made.public_id) == (made.slug, made.updated_at, 0)
    StockRecord.objects.create(product=made, quantity=3)

    assert product_page_state(made.public_id) == (made.slug, made.updated_at, 3)
