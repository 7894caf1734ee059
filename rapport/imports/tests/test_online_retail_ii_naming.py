"""Online Retail II names three columns differently (Invoice, Price, Customer ID): same import."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from rapport.customers.models import Customer
from rapport.imports.tests.conftest import ONLINE_RETAIL_SLICE
from rapport.imports.tests.test_online_retail import COMMAND, counts
from rapport.orders.models import Order

pytestmark = pytest.mark.django_db


def _as_ii(tmp_path: Path) -> Path:
    with gzip.open(ONLINE_RETAIL_SLICE, "rt", encoding="utf-8") as handle:
        header, *rows = handle.read().splitlines()
    assert (
        header
        == "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
    )
    renamed = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country"
    # Some exports of the II workbook write customer ids as floats.
    rows = [row.replace(",17850,", ",17850.0,") for row in rows]
    path = tmp_path / "online_retail_ii.csv.gz"
    path.write_bytes(gzip.compress(("\n".join([renamed, *rows]) + "\n").encode()))
    return path


def test_online_retail_ii_columns_import_the_same_records(run_command, tmp_path) -> None:
    output = run_command(COMMAND, _as_ii(tmp_path))

    assert counts() == {
        "products": 420,
        "categories": 34,
        "customers": 14,
        "orders": 14,
        "credit_notes": 9,
        "lines": 492,
    }
    assert "order lines created: 492" in output
    assert Customer.objects.filter(external_id="17850").exists()
    assert not Customer.objects.filter(external_id__endswith=".0").exists()
    assert Order.objects.filter(number="OR-536365").exists()
