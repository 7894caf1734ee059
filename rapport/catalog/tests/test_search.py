"""Search: the stored search columns follow every write; ranking groups; the result cap."""

from decimal import Decimal

import pytest
from django.db import connection

from rapport.catalog import search
from rapport.catalog.models import Product
from rapport.catalog.search import search_products
from rapport.catalog.tests.factories import CategoryFactory, ProductFactory
from rapport.core.testing import skip_unless_postgres

pytestmark = pytest.mark.django_db


def found(query: str) -> list[str]:
    return [p.name for p in search_products(query)[:50]]


def test_a_new_product_is_found_by_its_name_and_description():
    ProductFactory(name="COPPER KETTLE", description="Whistles on a gas hob.")
    Product.objects.bulk_create(
        [Product(sku="BULK1", name="ENAMEL KETTLE", slug="enamel-kettle", price=Decimal("9"))]
    )

    assert found("kettle") == ["COPPER KETTLE", "ENAMEL KETTLE"]
    assert found("whistles") == ["COPPER KETTLE"]


def test_a_renamed_product_is_found_by_its_new_name_only():
    product = ProductFactory(name="BRASS LANTERN", description="A lantern for the porch.")
    # A bare UPDATE, as an import or a data migration would do it: nothing in Python runs.
    Product.objects.filter(pk=product.pk).update(name="COPPER KETTLE", description="For tea.")
    other = ProductFactory(name="GARDEN TROWEL")
    other.name = "GARDEN KETTLE"
    other.save()  # and through the model

    assert found("kettle") == ["COPPER KETTLE", "GARDEN KETTLE"]
    assert found("lantern") == []
    assert found("trowel") == []
    assert found("tea") == ["COPPER KETTLE"]


def test_the_stored_vectors_follow_the_row_on_postgresql():
    skip_unless_postgres()
    product = ProductFactory(name="BRASS LANTERN", description="porch light")
    Product.objects.filter(pk=product.pk).update(name="COPPER KETTLE")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name_vector::text, search_vector::text FROM catalog_product WHERE id = %s",
            [product.pk],
        )
        name_vector, search_vector = cursor.fetchone()
    assert name_vector == "'copper':1 'kettle':2"
    assert search_vector == "'copper':1 'kettle':2 'light':4 'porch':3"


def test_every_word_in_the_name_ranks_before_words_found_elsewhere():
    ProductFactory(name="ZEN YOGA MAT")
    ProductFactory(name="ACTIVE YOGA STRAP", description="Fits any mat.")
    ProductFactory(name="BATH MAT", description="Not for yoga.")
    ProductFactory(name="YOGA BLOCK")

    assert found("yoga mat") == ["ZEN YOGA MAT", "ACTIVE YOGA STRAP", "BATH MAT"]


def test_a_huge_result_is_capped_and_says_so(monkeypatch, client):
    monkeypatch.setattr(search, "MAX_RESULTS", 3)
    category = CategoryFactory()
    for name in ("LAMP D", "LAMP B", "LAMP A", "LAMP C"):
        ProductFactory(name=name, category=category)
    ProductFactory(name="SHADE", description="for a lamp", category=category)

    results = search_products("lamp")

    assert (results.count(), results.more) == (3, True)
    assert [p.name for p in results[:10]] == ["LAMP A", "LAMP B", "LAMP C"]
    body = client.get("/search/", {"q": "lamp"}).content.decode()
    assert "More than 3 products" in body


def test_a_small_result_is_counted_exactly():
    ProductFactory(name="LAMP A")
    ProductFactory(name="SHADE", description="for a lamp")

    results = search_products("lamp")

    assert (results.count(), results.more) == (2, False)
    assert [p.name for p in results[1:2]] == ["SHADE"]
