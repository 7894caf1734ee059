"""The Online Retail importer against a 502-row slice of the real file (tests/data/README.md)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from rapport.catalog.models import Category, Product
from rapport.customers.models import Customer
from rapport.imports.tests.conftest import ONLINE_RETAIL_SLICE
from rapport.orders.models import LineKind, Order, OrderKind, OrderLine, OrderStatus

pytestmark = pytest.mark.django_db

COMMAND = "import_online_retail"


def counts() -> dict[str, int]:
    return {
        "products": Product.objects.count(),
        "categories": Category.objects.count(),
        "customers": Customer.objects.count(),
        "orders": Order.objects.filter(kind=OrderKind.ORDER).count(),
        "credit_notes": Order.objects.filter(kind=OrderKind.CREDIT_NOTE).count(),
        "lines": OrderLine.objects.count(),
    }


@pytest.fixture
def imported(run_command) -> str:
    return run_command(COMMAND, ONLINE_RETAIL_SLICE)


def report_rows(tmp_path: Path) -> list[dict[str, str]]:
    (path,) = (tmp_path / "reports").glob("online_retail-*.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_exact_counts(imported: str) -> None:
    assert counts() == {
        "products": 420,
        "categories": 11 + 23,  # 11 parents, 23 leaves (fallback included)
        "customers": 14,
        "orders": 14,
        "credit_notes": 9,
        "lines": 492,
    }
    assert "online_retail_slice.csv.gz: 502 rows read" in imported
    assert "order lines created: 492" in imported
    # 492 lines + 10 rejected rows = every row of the file.
    assert "rejected zero_price: 6" in imported
    assert "rejected stock_adjustment: 2" in imported
    assert "rejected bad_debt_adjustment: 1" in imported
    assert "rejected fraction_of_penny_price: 1" in imported


def test_rejected_rows_csv_names_row_number_reason_and_original_fields(
    imported: str, tmp_path: Path
) -> None:
    rows = report_rows(tmp_path)
    assert len(rows) == 10
    by_number = {int(r["row_number"]): r for r in rows}
    bad_debt = next(r for r in rows if r["reason"] == "bad_debt_adjustment")
    assert bad_debt["InvoiceNo"] == "A563185"
    assert bad_debt["StockCode"] == "B"
    assert bad_debt["UnitPrice"] == "11062.06"
    assert bad_debt["outcome"] == "rejected"
    assert by_number[13] == {
        "row_number": "13",
        "reason": "stock_adjustment",
        "outcome": "rejected",
        "InvoiceNo": "537032",
        "StockCode": "21275",
        "Description": "?",
        "Quantity": "-30",
        "InvoiceDate": "2010-12-03 16:50:00",
        "UnitPrice": "0.0",
        "CustomerID": "",
        "Country": "United Kingdom",
    }
    pads = next(r for r in rows if r["reason"] == "fraction_of_penny_price")
    assert (pads["StockCode"], pads["UnitPrice"]) == ("PADS", "0.001")
    # A zero-priced line with a customer and a description is still not a sale.
    assert any(
        r["reason"] == "zero_price" and r["CustomerID"] == "17560" and r["Description"]
        for r in rows
    )
    # Missing descriptions only occur on rows rejected for another reason.
    assert {r["reason"] for r in rows if r["Description"] == ""} == {
        "zero_price",
        "stock_adjustment",
    }


def test_rejected_rows_leave_no_trace(imported: str) -> None:
    assert not Order.objects.filter(external_id="A563185").exists()
    assert not OrderLine.objects.filter(sku__in=["B", "PADS"]).exists()
    assert not Order.objects.filter(external_id="537032").exists()  # a stock write-off only
    assert not OrderLine.objects.filter(quantity__lte=0, order__kind=OrderKind.ORDER).exists()
    assert not OrderLine.objects.filter(unit_price__lte=0).exists()


def test_order_total_is_exact_and_checked_by_hand(imported: str) -> None:
    order = Order.objects.get(source="online_retail", external_id="536365")
    # 6x2.55 + 6x3.39 + 8x2.75 + 6x3.39 + 6x3.39 + 2x7.65 + 6x4.25
    assert order.total == Decimal("139.12")
    assert order.number == "OR-536365"
    assert order.status == OrderStatus.DELIVERED
    assert order.currency == "GBP"
    assert order.customer is not None and order.customer.external_id == "17850"
    assert order.country == "United Kingdom"
    assert [
        (line.sku, line.quantity, line.unit_price, line.line_total) for line in order.lines.all()
    ][:2] == [
        ("85123A", 6, Decimal("2.55"), Decimal("15.30")),
        ("71053", 6, Decimal("3.39"), Decimal("20.34")),
    ]
    for any_order in Order.objects.prefetch_related("lines"):
        assert any_order.total == sum(line.line_total for line in any_order.lines.all())


def test_credit_note_reverses_with_negative_quantities(imported: str) -> None:
    note = Order.objects.get(external_id="C539832")
    assert note.kind == OrderKind.CREDIT_NOTE
    assert note.status == OrderStatus.REFUNDED
    assert note.number == "OR-C539832"
    line = note.lines.get()
    assert (line.sku, line.kind, line.quantity, line.line_total) == (
        "85123A",
        LineKind.PRODUCT,
        -1,
        Decimal("-2.55"),
    )
    assert note.total == Decimal("-2.55")


@pytest.mark.parametrize(
    ("invoice", "sku", "kind", "quantity", "line_total"),
    [
        ("538175", "POST", LineKind.SHIPPING, 21, "378.00"),
        ("556823", "DOT", LineKind.SHIPPING, 1, "20.50"),
        ("539688", "C2", LineKind.SHIPPING, 1, "150.00"),
        ("C536379", "D", LineKind.DISCOUNT, -1, "-27.50"),
        ("536779", "BANK CHARGES", LineKind.FEE, 1, "15.00"),
        ("C537572", "BANK CHARGES", LineKind.FEE, -1, "-95.38"),
        ("C537600", "AMAZONFEE", LineKind.FEE, -1, "-1.00"),
        ("C564763", "CRUK", LineKind.FEE, -1, "-1.60"),
        ("C537610", "M", LineKind.MANUAL, -1, "-631.31"),
        ("539736", "M", LineKind.MANUAL, 1, "2.55"),  # written "m" in the file
        ("C544671", "S", LineKind.MANUAL, -1, "-21.90"),
        ("540238", "GIFT_0001_20", LineKind.MANUAL, 1, "17.02"),
    ],
)
def test_adjustment_codes_become_non_product_lines(
    imported: str, invoice: str, sku: str, kind: LineKind, quantity: int, line_total: str
) -> None:
    line = OrderLine.objects.get(order__external_id=invoice, sku=sku)
    assert (line.kind, line.quantity, line.line_total, line.product_id) == (
        kind,
        quantity,
        Decimal(line_total),
        None,
    )


def test_adjustment_codes_are_never_catalogue_products(imported: str) -> None:
    codes = ["POST", "DOT", "C2", "D", "M", "S", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS"]
    assert not Product.objects.filter(sku__in=[*codes, "GIFT_0001_20", "B"]).exists()
    # DCGS codes are real goods sold through the dotcom shop.
    assert Product.objects.get(sku="DCGSSGIRL").name == "GIRLS PARTY BAG"


def test_missing_customer_makes_a_guest_order(imported: str) -> None:
    order = Order.objects.get(external_id="536558")
    assert order.customer is None
    assert order.external_customer_ref == ""
    assert order.total == Decimal("99.75")


def test_current_price_is_the_latest_invoice_and_lines_keep_history(imported: str) -> None:
    product = Product.objects.get(sku="85123A")
    assert product.price == Decimal("2.95")
    assert product.price_updated_at == datetime(2011, 12, 9, 11, 34, tzinfo=UTC)
    assert product.currency == "GBP"
    assert product.source == "online_retail"
    prices = dict(
        OrderLine.objects.filter(sku="85123A").values_list("order__external_id", "unit_price")
    )
    assert prices["536365"] == Decimal("2.55")
    assert prices["556823"] == Decimal("6.63")
    assert prices["581538"] == Decimal("2.95")
    # The 2011-12-09 invoice printed another description; the line keeps it, the name does not.
    assert OrderLine.objects.get(order__external_id="581538", sku="85123A").name == (
        "CREAM HANGING HEART T-LIGHT HOLDER"
    )
    assert product.name == "WHITE HANGING HEART T-LIGHT HOLDER"


def test_lower_case_stock_codes_are_the_same_product(imported: str) -> None:
    assert not Product.objects.filter(sku="85123a").exists()
    # Row 386 of the slice is written "85123a"; its line is the same product.
    line = OrderLine.objects.get(order__external_id="556823", sku="85123A")
    assert line.product == Product.objects.get(sku="85123A")


def test_invoice_times_are_uk_local_time(imported: str) -> None:
    winter = Order.objects.get(external_id="536365")
    summer = Order.objects.get(external_id="558653")  # 2011-07-01 10:40 BST in the file
    assert winter.placed_at == datetime(2010, 12, 1, 8, 26, tzinfo=UTC)
    assert summer.placed_at == datetime(2011, 7, 1, 9, 40, tzinfo=UTC)


def test_split_and_two_minute_invoices_are_whole(imported: str) -> None:
    split = Order.objects.get(external_id="C542805")  # its rows are not contiguous in the file
    assert [line.position for line in split.lines.all()] == [1, 2]
    spanning = Order.objects.get(external_id="542806")  # lines at 11:19 and 11:20
    assert spanning.placed_at == datetime(2011, 2, 1, 11, 19, tzinfo=UTC)
    assert spanning.lines.count() == 39


def test_derived_categories(imported: str) -> None:
    product = Product.objects.select_related("category__parent").get(sku="85123A")
    assert product.category is not None and product.category.parent is not None
    assert (product.category.parent.name, product.category.name) == (
        "Home & Living",
        "Candles & lights",
    )
    assert product.category.source == "online_retail"
    assert product.category.external_key == "home-living/candles-lights"
    assert product.category.slug == "home-living-candles-lights"
    fallback = Product.objects.filter(category__external_key="gifts/other-gifts").count()
    assert fallback == 17
    assert 1 - fallback / Product.objects.count() >= 0.85
    assert not Product.objects.filter(category__isnull=True).exists()


def test_second_run_adds_nothing(imported: str, run_command) -> None:
    before = counts()
    totals = dict(Order.objects.values_list("external_id", "total"))
    output = run_command(COMMAND, ONLINE_RETAIL_SLICE)
    assert counts() == before
    assert dict(Order.objects.values_list("external_id", "total")) == totals
    assert "products created: 0" in output
    assert "orders and credit notes already present: 23" in output
    assert "order lines created: 0" in output
