"""`Product.is_sellable`, `product_url` and `product_for_cart` agree with what they stand for."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.catalog.models import SELLABLE, Product, product_url
from rapport.catalog.queries import product_for_cart
from rapport.catalog.tests.factories import ProductFactory

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
