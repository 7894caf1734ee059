"""Hand-written SQL reads values exactly as the ORM would, on SQLite and on PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from rapport.catalog.models import Product
from rapport.catalog.tests.factories import ProductFactory
from rapport.core.sql import Columns, column, table

pytestmark = pytest.mark.django_db

COLUMNS = Columns(
    ("p", Product, "id"),
    ("p", Product, "created_at"),
    ("p", Product, "public_id"),
    ("p", Product, "name"),
    ("p", Product, "category"),
    ("p", Product, "price"),
    ("p", Product, "is_active"),
    ("p", Product, "weight_g"),
)


def read(product: Product) -> list:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {COLUMNS.sql} FROM {table(Product)} p WHERE p.{column(Product, 'id')} = %s",  # noqa: S608
            [product.pk],
        )
        return list(cursor.fetchone())


@pytest.mark.parametrize("price", ["1234567890.99", "0.10", "24.49", "4.00"])
def test_values_read_by_hand_equal_the_orms(price):
    made = ProductFactory(price=Decimal(price), is_active=False, weight_g=None)
    orm = Product.objects.get(pk=made.pk)

    values = COLUMNS.convert(read(made))

    expected = [
        orm.pk,
        orm.created_at,
        orm.public_id,
        orm.name,
        orm.category_id,
        orm.price,
        orm.is_active,
        orm.weight_g,
    ]
    assert values == expected
    assert str(values[5]) == price  # exact cents, not a float's digits
    assert values[6] is False and values[7] is None


def test_instance_from_a_row_defers_what_was_not_read():
    made = ProductFactory(price=Decimal("3.30"), description="Long text")
    product = COLUMNS.instance(Product, read(made))

    assert product.pk == made.pk and product.price == Decimal("3.30")
    assert product.get_deferred_fields() >= {"description", "sku", "slug"}
    assert product.description == "Long text"  # loaded on first use, like QuerySet.only
