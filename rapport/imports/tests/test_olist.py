"""The Olist importer on slices of the real files: joined rows, orphans, a multi-line review."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from rapport.catalog.models import Category, Product, Seller
from rapport.customers.models import Customer
from rapport.imports.tests.conftest import OLIST_SLICE
from rapport.orders.models import Order, OrderLine, OrderStatus, Review
from rapport.payments.models import Payment, PaymentMethod

pytestmark = pytest.mark.django_db

COMMAND = "import_olist"


def counts() -> dict[str, int]:
    return {
        "sellers": Seller.objects.count(),
        "customers": Customer.objects.count(),
        "categories": Category.objects.count(),
        "products": Product.objects.count(),
        "on_sale": Product.objects.filter(is_active=True).count(),
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "payments": Payment.objects.count(),
        "reviews": Review.objects.count(),
    }


@pytest.fixture(autouse=True)
def _shop_sells_in_reais(settings) -> None:
    """Olist's products are on sale only in a BRL shop; most tests here are about that one."""
    settings.RAPPORT_CURRENCY = "BRL"


@pytest.fixture
def imported(run_command) -> str:
    return run_command(COMMAND, OLIST_SLICE)


def report(tmp_path: Path, stem: str) -> list[dict[str, str]]:
    (path,) = (tmp_path / "reports").glob(f"olist-*-{stem}.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_exact_counts(imported: str) -> None:
    # tests/data/README.md: 12 orders (2 of them without their customer row), 24 item rows (8 of
    # orders not in the slice), 21 payment rows (8 of orders purchased after May 2018), 9
    # reviews (1 of an order in the slice), 13 customers, 31 products (21 sold), 23 sellers.
    assert counts() == {
        "sellers": 23,
        "customers": 13,
        "categories": 73,  # 71 translated + 2 untranslated; no category for an empty name
        "products": 31,
        "on_sale": 21,
        "orders": 12,
        "lines": 16,
        "payments": 13,
        "reviews": 9,
    }
    assert "olist_order_items_dataset.csv.gz rejected order_not_in_orders: 8" in imported
    assert "order_payments.csv.gz rejected order_not_in_orders: 8" in imported
    assert "olist_orders_dataset.csv.gz kept customer_not_in_customers: 2" in imported
    assert "kept review_order_not_in_orders: 8" in imported


def test_joined_order_with_customer_lines_and_all_timestamps(imported: str) -> None:
    order = Order.objects.get(source="olist", external_id="23c0fb66f3afa483b302cc740b14f17b")
    assert order.customer is not None
    assert order.customer.external_id == "7a380cb5434e6b6b5b37d45bb99dbe8a"  # the person
    assert order.customer.city == "sao bernardo do campo"
    assert (order.customer.postal_code, order.customer.region) == ("09890", "SP")
    assert order.customer.country == "Brazil"
    assert order.number == "OL-23c0fb66f3afa483b302cc740b14f17b"
    assert order.currency == "BRL"
    # Two items from two sellers, by hand: 88.00 + 17.35 + 124.99 + 17.35.
    assert order.total == Decimal("247.69")
    assert order.lines.values("seller").distinct().count() == 2

    two_items = Order.objects.get(external_id="0ac645ddb846d1373321decb39c9956f")
    # São Paulo time (UTC-3): purchase 2018-05-07 20:57:42 local.
    assert two_items.placed_at == datetime(2018, 5, 7, 23, 57, 42, tzinfo=UTC)
    assert two_items.approved_at == datetime(2018, 5, 8, 0, 14, 16, tzinfo=UTC)
    assert two_items.shipped_at == datetime(2018, 5, 8, 17, 12, tzinfo=UTC)
    assert two_items.delivered_at == datetime(2018, 5, 12, 1, 8, 57, tzinfo=UTC)
    assert two_items.estimated_delivery_at == datetime(2018, 5, 29, 3, 0, tzinfo=UTC)
    assert two_items.customer is not None
    assert two_items.customer.external_id == "969cdc8af5b07074766e79c1e6d76c24"
    assert two_items.external_customer_ref == "46d8521966b3f64cce626dfc6b655d1a"
    lines = list(two_items.lines.select_related("seller", "product"))
    assert [(line.position, line.quantity, line.unit_price, line.freight) for line in lines] == [
        (1, 1, Decimal("49.10"), Decimal("18.23")),
        (2, 1, Decimal("49.10"), Decimal("18.23")),
    ]
    assert lines[0].seller is not None
    assert lines[0].seller.external_id == "82cb9f452fe8334df74b22d37824b431"
    assert (lines[0].seller.zip_code_prefix, lines[0].seller.state) == ("95013", "RS")
    assert lines[0].product is not None and lines[0].sku == lines[0].product.sku
    # Total = items + freight, by hand: 2 x (49.10 + 18.23).
    assert two_items.total == Decimal("134.66")


def test_order_without_items_takes_its_total_from_payments(imported: str) -> None:
    order = Order.objects.get(external_id="809a282bbd5dbcabb6f2f724fca862ec")
    assert order.lines.count() == 0
    assert order.status == OrderStatus.CANCELLED
    assert order.total == Decimal("40.95")


def test_order_paid_in_three_parts(imported: str) -> None:
    order = Order.objects.get(external_id="e481f51cbdc54678b7cc49136f2d6af7")
    payments = list(order.payments.order_by("sequence").values_list("sequence", "method", "amount"))
    assert payments == [
        (1, PaymentMethod.CARD, Decimal("18.12")),
        (2, PaymentMethod.VOUCHER, Decimal("18.59")),
        (3, PaymentMethod.VOUCHER, Decimal("2.00")),
    ]
    # One item: 29.99 + 8.72 freight, the same as the three payments.
    assert order.total == Decimal("38.71")


@pytest.mark.parametrize(
    ("order_id", "status"),
    [
        ("e5fa5a7210941f7d56d0208e4e071d35", OrderStatus.CANCELLED),  # canceled
        ("8e24261a7e58791d10cb1bf9da94df5c", OrderStatus.CANCELLED),  # unavailable
        ("2e7a8482f6fb09756ca50c10d7bfc047", OrderStatus.SHIPPED),
        ("dd359d3c294458c6d642b2eea9212bf5", OrderStatus.PACKED),  # invoiced
        ("15bed8e2fec7fdbadb186b57c46c92f2", OrderStatus.PAID),  # processing
        ("0ac645ddb846d1373321decb39c9956f", OrderStatus.DELIVERED),
    ],
)
def test_status_mapping(imported: str, order_id: str, status: OrderStatus) -> None:
    assert Order.objects.get(external_id=order_id).status == status


def test_payment_installments(imported: str) -> None:
    payment = Payment.objects.get(external_order_ref="8e24261a7e58791d10cb1bf9da94df5c")
    assert (payment.method, payment.installments, payment.amount, payment.currency) == (
        PaymentMethod.CARD,
        5,
        Decimal("84.00"),
        "BRL",
    )


def test_products_names_categories_sizes_and_prices(imported: str) -> None:
    priced = Product.objects.filter(is_active=True).select_related("category")
    for item in priced:
        assert item.price is not None and item.price > 0
        assert item.currency == "BRL"
        assert item.name.endswith(f" item {item.sku[:8]}")
    unpriced = Product.objects.filter(is_active=False)
    assert unpriced.count() == 10
    assert all(p.price is None for p in unpriced)
    housewares = Product.objects.get(sku="87285b34884572647811a353c7ac498a")
    assert housewares.name == "Housewares item 87285b34"
    assert (
        housewares.weight_g,
        housewares.length_cm,
        housewares.height_cm,
        housewares.width_cm,
    ) == (500, 19, 8, 13)
    assert housewares.price == Decimal("29.99")
    assert housewares.category is not None
    assert (housewares.category.name_original, housewares.category.source) == (
        "utilidades_domesticas",
        "olist",
    )
    untranslated = Category.objects.get(external_key="pc_gamer")
    assert (untranslated.name, untranslated.name_original) == ("Pc gamer", "pc_gamer")
    assert (
        Product.objects.filter(category__isnull=True, name__startswith="Olist item ").count() == 3
    )


def test_reviews_keep_multi_line_text_and_orphans_keep_their_order_ref(imported: str) -> None:
    review = Review.objects.get(external_id="fe3db7c069d694bab50cc43463f91608")
    assert review.text.count("\n") == 3
    assert review.text.startswith("A compra foi realizada facilmente.")
    assert review.order is None
    assert review.external_order_ref == "2ca73e2ff9e3a186ad1e1ffb9b1d9c10"
    joined = Review.objects.get(external_id="8079a046b23b88c4cea485cfbd8aec39")
    assert joined.order is not None
    assert joined.order.external_id == "15bed8e2fec7fdbadb186b57c46c92f2"
    assert joined.score == 5


def test_orphans_are_reported_with_reason_and_row(imported: str, tmp_path: Path) -> None:
    items = report(tmp_path, "olist_order_items_dataset")
    assert len(items) == 8
    assert {(r["reason"], r["outcome"]) for r in items} == {("order_not_in_orders", "rejected")}
    assert not Order.objects.filter(external_id__in=[r["order_id"] for r in items]).exists()
    payments = report(tmp_path, "order_payments")
    assert len(payments) == 8
    assert all(r["row_number"].isdigit() for r in payments)
    orders = report(tmp_path, "olist_orders_dataset")
    assert {(r["order_id"], r["outcome"]) for r in orders} == {
        ("bfbd0f9bdef84302105ad712db648a6c", "kept"),
        ("3b697a20d9e427646d92567910af6d57", "kept"),
    }
    assert report(tmp_path, "products") == []


def test_purchased_from_imports_only_later_orders_and_their_rows(run_command, tmp_path) -> None:
    output = run_command(COMMAND, OLIST_SLICE, purchased_from="2018-01-01")
    assert set(Order.objects.values_list("external_id", flat=True)) == {
        "0ac645ddb846d1373321decb39c9956f",
        "23c0fb66f3afa483b302cc740b14f17b",
    }
    # Their customers only; their 4 lines and 2 payments; earlier orders' rows are not orphans.
    assert Customer.objects.count() == 2
    assert (OrderLine.objects.count(), Payment.objects.count()) == (4, 2)
    assert "olist_order_items_dataset.csv.gz rejected order_not_in_orders: 8" in output
    assert "order_payments.csv.gz rejected order_not_in_orders: 8" in output
    assert Product.objects.filter(is_active=True).count() == 21  # prices from every item
    # The one review of a 2017 order is skipped; the 8 of orders not in the tables are kept.
    assert Review.objects.count() == 8 and not Review.objects.filter(order__isnull=False).exists()
    assert "reviews already present: 0" in output


def test_second_run_adds_nothing(imported: str, run_command) -> None:
    before = counts()
    output = run_command(COMMAND, OLIST_SLICE)
    assert counts() == before
    assert "orders created: 0" in output
    assert "payments created: 0" in output
    assert "reviews already present: 9" in output


def test_in_a_pound_shop_olist_products_are_history_not_on_sale(run_command, settings) -> None:
    settings.RAPPORT_CURRENCY = "GBP"
    run_command(COMMAND, OLIST_SLICE)

    assert Product.objects.exists() and Order.objects.exists()
    assert not Product.objects.filter(is_active=True).exists()
