"""Order histories as arrays, from Online Retail files or from the database: pure data, no model.

Both UCI column namings are read: the 2010-2011 file (`InvoiceNo, StockCode, Description,
Quantity, InvoiceDate, UnitPrice, CustomerID, Country`) and "Online Retail II" (`Invoice,
StockCode, Description, Quantity, InvoiceDate, Price, Customer ID, Country`).

A *sale line* is a line of a sale invoice (digits only: not a `C…` cancellation nor an `A…`
bad-debt adjustment) with a positive quantity, a positive price and a product stock code
(postage, fees, manual lines and vouchers are not products: `imports.online_retail.line_kind`).
A basket is one invoice's sale lines; its items are the distinct stock codes (upper case).
"""

from __future__ import annotations

import csv
import datetime
import gzip
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

COLUMNS = {
    "invoice": ("InvoiceNo", "Invoice"),
    "code": ("StockCode",),
    "quantity": ("Quantity",),
    "date": ("InvoiceDate",),
    "price": ("UnitPrice", "Price"),
    "customer": ("CustomerID", "Customer ID"),
}
DAY = 86_400.0


class BasketFileError(Exception):
    """A file that cannot be read as Online Retail (missing, not gzip CSV, unknown columns)."""


@dataclass(frozen=True)
class Basket:
    customer: str
    placed_at: datetime.datetime
    quantities: dict[str, int]  # stock code → units in this basket

    @property
    def items(self) -> frozenset[str]:
        return frozenset(self.quantities)


def _columns(header: Sequence[str], path: Path) -> dict[str, int]:
    found: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for name in names:
            if name in header:
                found[key] = list(header).index(name)
                break
        else:
            raise BasketFileError(
                f"{path}: no column {' or '.join(names)} in the header {','.join(header)}"
            )
    return found


def _parse_date(raw: str) -> datetime.datetime:
    raw = raw.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M"):
        try:
            return datetime.datetime.strptime(raw, fmt)
        except ValueError:
            continue
    return datetime.datetime.fromisoformat(raw)


def read_online_retail(paths: Iterable[Path]) -> list[Basket]:
    """Sale baskets of every file (an invoice in two files is one basket), sorted by time then
    invoice number. Raises `BasketFileError` for a file that cannot be read or whose header has
    neither naming; rows with unreadable values are skipped (they are not sales)."""
    from rapport.imports.online_retail import SALE_INVOICE, line_kind, normalise_code
    from rapport.orders.models import LineKind

    lines: dict[str, dict[str, int]] = {}
    meta: dict[str, tuple[str, datetime.datetime]] = {}
    kinds: dict[str, bool] = {}
    for path in paths:
        if not path.is_file():
            raise BasketFileError(f"No such file: {path}")
        try:
            with gzip.open(path, "rt", newline="", encoding="utf-8-sig") as handle:
                reader = csv.reader(handle)
                header = next(reader, None)
                if header is None:
                    raise BasketFileError(f"{path} is empty")
                col = _columns(header, path)
                width = max(col.values())
                for row in reader:
                    if len(row) <= width:
                        continue
                    invoice = row[col["invoice"]].strip()
                    if SALE_INVOICE.fullmatch(invoice) is None:
                        continue
                    code = normalise_code(row[col["code"]])
                    is_product = kinds.get(code)
                    if is_product is None:
                        is_product = kinds[code] = bool(code) and (
                            line_kind(code) == LineKind.PRODUCT
                        )
                    if not is_product:
                        continue
                    try:
                        quantity = int(float(row[col["quantity"]]))
                        price = float(row[col["price"]])
                        placed_at = _parse_date(row[col["date"]])
                    except ValueError:
                        continue
                    if quantity <= 0 or price <= 0:
                        continue
                    basket = lines.setdefault(invoice, {})
                    basket[code] = basket.get(code, 0) + quantity
                    customer = row[col["customer"]].strip()
                    if customer.endswith(".0"):  # "Customer ID" is a float in Online Retail II
                        customer = customer[:-2]
                    known = meta.get(invoice)
                    if known is None or placed_at < known[1]:
                        meta[invoice] = (customer, placed_at)
        except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
            raise BasketFileError(f"Cannot read {path} as gzip-compressed CSV: {exc}") from exc
    order = sorted(lines, key=lambda k: (meta[k][1], k))
    return [Basket(customer=meta[k][0], placed_at=meta[k][1], quantities=lines[k]) for k in order]


@dataclass
class History:
    """Baskets as arrays. Customers and items are numbered 0..n-1 (`customers`, `items` hold
    their names); baskets are sorted by time; `line_*` arrays list each basket's items."""

    customers: list[str]
    items: list[str]
    basket_customer: np.ndarray  # int64 per basket
    basket_time: np.ndarray  # float64 days since the epoch, per basket
    basket_start: (
        np.ndarray
    )  # int64, len(baskets) + 1: lines of basket b are [start[b], start[b+1])
    line_item: np.ndarray  # int64
    line_quantity: np.ndarray  # int64

    @property
    def basket_count(self) -> int:
        return len(self.basket_customer)


def days(moment: datetime.datetime) -> float:
    """A datetime as days since the epoch (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp() / DAY


def to_history(
    baskets: Sequence[Basket],
    *,
    items: list[str] | None = None,
    customers: list[str] | None = None,
) -> History:
    """Arrays for these baskets (guest baskets, without a customer, are left out). With `items`
    or `customers`, those numberings are used and unknown names are dropped."""
    kept = [b for b in baskets if b.customer]
    if customers is None:
        customers = sorted({b.customer for b in kept})
    if items is None:
        items = sorted({c for b in kept for c in b.quantities})
    cust_index = {c: i for i, c in enumerate(customers)}
    item_index = {c: i for i, c in enumerate(items)}
    kept = sorted((b for b in kept if b.customer in cust_index), key=lambda b: b.placed_at)
    b_cust: list[int] = []
    b_time: list[float] = []
    starts: list[int] = [0]
    l_item: list[int] = []
    l_qty: list[int] = []
    for b in kept:
        codes = [(item_index[c], q) for c, q in b.quantities.items() if c in item_index]
        if not codes:
            continue
        codes.sort()
        b_cust.append(cust_index[b.customer])
        b_time.append(days(b.placed_at))
        l_item.extend(i for i, _q in codes)
        l_qty.extend(q for _i, q in codes)
        starts.append(len(l_item))
    return History(
        customers=customers,
        items=items,
        basket_customer=np.asarray(b_cust, dtype=np.int64),
        basket_time=np.asarray(b_time, dtype=np.float64),
        basket_start=np.asarray(starts, dtype=np.int64),
        line_item=np.asarray(l_item, dtype=np.int64),
        line_quantity=np.asarray(l_qty, dtype=np.int64),
    )
