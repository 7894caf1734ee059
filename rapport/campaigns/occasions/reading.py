"""Online Retail files (UCI "Online Retail" and "Online Retail II" column namings) → purchase days.

Only sale lines count: an invoice starting with "C" (a credit note), a line without a customer or
with a quantity ≤ 0 is skipped. A purchase day is the calendar date of `InvoiceDate` as written
in the file (the shop's local time).
"""

from __future__ import annotations

import csv
import datetime
import gzip
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

# (invoice, quantity, date, customer): first naming found in the header wins.
NAMINGS = (
    ("InvoiceNo", "Quantity", "InvoiceDate", "CustomerID"),
    ("Invoice", "Quantity", "InvoiceDate", "Customer ID"),
)
CATEGORY_COLUMN = "StockCode"


class ReadError(ValueError):
    """The file cannot be read as Online Retail lines."""


def _open(path: Path) -> TextIO:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return path.open(encoding="utf-8", newline="")


def read_purchase_days(
    paths: Iterable[Path],
) -> tuple[dict[str, set[int]], datetime.date | None, datetime.date | None]:
    """Distinct purchase days (proleptic ordinals) per customer reference, and the first and last
    day seen in the files (any line, so a shop's observed span is known). Raises `ReadError`."""
    days: dict[str, set[int]] = {}
    first: int | None = None
    last: int | None = None
    for path in paths:
        if not path.is_file():
            raise ReadError(f"No such file: {path}")
        try:
            with _open(path) as handle:
                reader = csv.DictReader(handle)
                header = set(reader.fieldnames or ())
                naming = next((n for n in NAMINGS if set(n) <= header), None)
                if naming is None:
                    raise ReadError(
                        f"{path}: expected the columns InvoiceNo/Quantity/InvoiceDate/CustomerID "
                        "or Invoice/Quantity/InvoiceDate/Customer ID"
                    )
                inv_col, qty_col, date_col, cust_col = naming
                seen: dict[str, int] = {}
                for number, row in enumerate(reader, start=2):
                    raw_date = (row.get(date_col) or "").strip()
                    day = seen.get(raw_date)
                    if day is None:
                        day = _parse_day(raw_date, path, number)
                        seen[raw_date] = day
                    first = day if first is None or day < first else first
                    last = day if last is None or day > last else last
                    customer = (row.get(cust_col) or "").strip()
                    invoice = (row.get(inv_col) or "").strip()
                    if not customer or invoice.upper().startswith("C"):
                        continue
                    try:
                        if float(row.get(qty_col) or "0") <= 0:
                            continue
                    except ValueError as exc:
                        raise ReadError(f"{path}:{number}: quantity is not a number") from exc
                    if customer.endswith(".0"):  # Online Retail II stores ids as floats
                        customer = customer[:-2]
                    days.setdefault(customer, set()).add(day)
        except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
            raise ReadError(f"{path}: {exc}") from exc
    to_date = datetime.date.fromordinal
    return (
        days,
        to_date(first) if first is not None else None,
        to_date(last) if last is not None else None,
    )


def _parse_day(raw: str, path: Path, number: int) -> int:
    # "2010-12-01 08:26:00" (the shared copy) or "12/1/2010 8:26" (the UCI spreadsheet export).
    text = raw.split(" ")[0].split("T")[0]
    try:
        if "/" in text:
            month, day, year = (int(p) for p in text.split("/"))
            return datetime.date(year, month, day).toordinal()
        return datetime.date.fromisoformat(text).toordinal()
    except ValueError as exc:
        raise ReadError(f"{path}:{number}: InvoiceDate {raw!r} is not a date") from exc
