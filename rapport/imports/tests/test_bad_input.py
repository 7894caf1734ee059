"""Bad input: a clear CommandError, and nothing written."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from rapport.catalog.models import Category, Product, Seller
from rapport.customers.models import Customer
from rapport.imports.tests.conftest import OLIST_SLICE, ONLINE_RETAIL_SLICE
from rapport.orders.models import Order

pytestmark = pytest.mark.django_db


def nothing_written(tmp_path: Path) -> bool:
    return (
        not Product.objects.exists()
        and not Category.objects.exists()
        and not Customer.objects.exists()
        and not Order.objects.exists()
        and not Seller.objects.exists()
        and not (tmp_path / "reports").exists()
    )


def test_missing_file(run_command, tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv.gz"
    with pytest.raises(CommandError, match=r"File not found: .*nope\.csv\.gz"):
        run_command("import_online_retail", missing)
    assert nothing_written(tmp_path)


def test_wrong_header(run_command, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.csv.gz"
    with gzip.open(wrong, "wt", newline="") as handle:
        handle.write("InvoiceNo,StockCode,Quantity\n536365,85123A,6\n")
    with pytest.raises(
        CommandError, match="has the header 'InvoiceNo,StockCode,Quantity'; expected"
    ):
        run_command("import_online_retail", wrong)
    assert nothing_written(tmp_path)


def test_not_gzip(run_command, tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv.gz"
    plain.write_text("InvoiceNo,StockCode\n")
    with pytest.raises(CommandError, match=r"Cannot read .* as gzip-compressed UTF-8 CSV"):
        run_command("import_online_retail", plain)
    assert nothing_written(tmp_path)


def test_olist_file_from_another_table(run_command, tmp_path: Path) -> None:
    folder = tmp_path / "olist"
    shutil.copytree(OLIST_SLICE, folder)
    # The Online Retail file in place of the reviews: caught before anything is written.
    shutil.copy(ONLINE_RETAIL_SLICE, folder / "order_reviews_excerpt.csv.gz")
    with pytest.raises(CommandError, match=r"order_reviews_excerpt\.csv\.gz has the header"):
        run_command("import_olist", folder)
    assert nothing_written(tmp_path)


def test_olist_missing_file(run_command, tmp_path: Path) -> None:
    folder = tmp_path / "olist"
    shutil.copytree(OLIST_SLICE, folder)
    (folder / "sellers.csv.gz").unlink()
    with pytest.raises(CommandError, match=r"File not found: .*sellers\.csv\.gz"):
        run_command("import_olist", folder)
    assert nothing_written(tmp_path)


def test_unreadable_values_are_reported_not_fatal(run_command, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv.gz"
    with gzip.open(ONLINE_RETAIL_SLICE, "rt", newline="") as src:
        header, first = src.readline(), src.readline()
    with gzip.open(path, "wt", newline="") as handle:
        handle.write(header)
        handle.write(first)
        handle.write("536999,22222,ODD ROW,six,2010-12-01 08:26:00,2.55,17850,United Kingdom\n")
        handle.write("536999,22223,BAD DATE,1,01/12/2010 08:26,2.55,17850,United Kingdom\n")
    output = run_command("import_online_retail", path)
    assert "rejected unreadable_value: 2" in output
    assert Order.objects.count() == 1
    assert not Order.objects.filter(external_id="536999").exists()
