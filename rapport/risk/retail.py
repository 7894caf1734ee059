"""Online Retail invoices → labelled, time-ordered examples for the order-risk model.

Reads either UCI naming (Online Retail: InvoiceNo/UnitPrice/CustomerID; Online Retail II:
Invoice/Price/Customer ID). The labelling rule (docs/order-risk.md):

A *sale invoice* (digits only) with a customer is **positive** when a *cancellation invoice*
(``C`` + digits) of the same customer, dated at or after it and at most `WINDOW` later, has a
line whose stock code is on it, and it is the latest such sale invoice before that
cancellation (each cancelled line is charged to one sale: the most recent one that sold the
code). Only product lines count (postage, fees, manual lines, vouchers and bad-debt
adjustments are left out). With `known_before`, only cancellations dated before it are used:
training labels never peek past the cutoff.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from rapport.risk.features import Basket, CustomerHistory, Rates, baseline, vector

WINDOW = timedelta(days=30)
NAMINGS = (
    {"invoice": "InvoiceNo", "price": "UnitPrice", "customer": "CustomerID"},
    {"invoice": "Invoice", "price": "Price", "customer": "Customer ID"},
)
COMMON = ("StockCode", "Quantity", "InvoiceDate", "Country")
NON_PRODUCT = {"POST", "DOT", "C2", "D", "BANK CHARGES", "AMAZONFEE", "CRUK", "M", "S", "PADS"}
NON_PRODUCT_PATTERN = re.compile(r"B|GIFT_\d{4}_\d+|TEST\d*|ADJUST\d*")
SALE = re.compile(r"\d+")
CANCELLATION = re.compile(r"C\d+")
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M", "%m/%d/%y %H:%M")


class RetailFileError(Exception):
    """A file that cannot be read as Online Retail invoices."""


@dataclass(eq=False)
class Invoice:
    number: str
    customer: str
    country: str
    placed_at: datetime
    is_cancellation: bool
    lines: dict[str, tuple[int, float]] = field(default_factory=dict)
    # Dates of the cancellations charged to this sale (empty for negatives).
    cancelled_at: list[datetime] = field(default_factory=list)
    # For a cancellation: the sales its lines were charged to.
    matched: list[Invoice] = field(default_factory=list)

    def label(self, known_before: datetime | None = None) -> int:
        """1 when a matching cancellation exists (and was known before `known_before`)."""
        if known_before is None:
            return int(bool(self.cancelled_at))
        return int(any(at < known_before for at in self.cancelled_at))


def _parse_date(text: str) -> datetime:
    text = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(text)


def _customer(text: str) -> str:
    text = text.strip()
    return text[:-2] if text.endswith(".0") else text


def _rows(path: Path) -> Iterator[dict[str, str]]:
    if not path.is_file():
        raise RetailFileError(f"File not found: {path}")
    try:
        with gzip.open(path, "rt", newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = set(reader.fieldnames or [])
            naming = next((n for n in NAMINGS if set(n.values()) <= header), None)
            if naming is None or not set(COMMON) <= header:
                raise RetailFileError(
                    f"{path}: expected Online Retail columns (InvoiceNo/UnitPrice/CustomerID or "
                    f"Invoice/Price/Customer ID, with {', '.join(COMMON)}); got "
                    f"{', '.join(reader.fieldnames or [])}"
                )
            for row in reader:
                yield {
                    "invoice": row.get(naming["invoice"]) or "",
                    "price": row.get(naming["price"]) or "",
                    "customer": row.get(naming["customer"]) or "",
                    "code": row.get("StockCode") or "",
                    "quantity": row.get("Quantity") or "",
                    "date": row.get("InvoiceDate") or "",
                    "country": row.get("Country") or "",
                }
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise RetailFileError(f"Cannot read {path} as gzip-compressed UTF-8 CSV: {exc}") from exc


def is_product_code(code: str) -> bool:
    return code not in NON_PRODUCT and NON_PRODUCT_PATTERN.fullmatch(code) is None


def read_invoices(paths: Iterable[Path]) -> list[Invoice]:
    """Every sale and cancellation invoice with a customer and product lines, time-ordered.

    Rows that cannot be parsed, non-product codes, sale lines with a negative quantity (stock
    write-offs) or no price, and invoices without a customer are skipped. The same invoice in
    two files (Online Retail II's overlapping year) is read once.
    """
    invoices: dict[str, Invoice] = {}
    seen_files: dict[str, str] = {}
    for path in paths:
        for row in _rows(Path(path)):
            number = row["invoice"].strip()
            is_cancel = CANCELLATION.fullmatch(number) is not None
            if not is_cancel and SALE.fullmatch(number) is None:
                continue
            customer = _customer(row["customer"])
            code = row["code"].strip().upper()
            if not customer or not is_product_code(code):
                continue
            try:
                quantity = int(float(row["quantity"]))
                price = float(row["price"])
                placed_at = _parse_date(row["date"])
            except ValueError:
                continue
            if quantity == 0 or (not is_cancel and (quantity < 0 or price <= 0)):
                continue
            owner = seen_files.setdefault(number, str(path))
            if owner != str(path):
                continue  # the overlap of two files: keep the first file's copy
            invoice = invoices.get(number)
            if invoice is None:
                invoice = invoices[number] = Invoice(
                    number=number,
                    customer=customer,
                    country=row["country"].strip(),
                    placed_at=placed_at,
                    is_cancellation=is_cancel,
                )
            q, v = invoice.lines.get(code, (0, 0.0))
            invoice.lines[code] = (q + abs(quantity), v + abs(quantity) * max(price, 0.0))
    ordered = sorted(invoices.values(), key=lambda i: (i.placed_at, i.number))
    _label(ordered)
    return ordered


def _label(invoices: list[Invoice]) -> None:
    """Charge each cancelled line to the latest earlier sale of the customer with that code."""
    sales_by_key: dict[tuple[str, str], list[tuple[datetime, Invoice]]] = defaultdict(list)
    for invoice in invoices:  # time order: each list is sorted
        if invoice.is_cancellation:
            for code in invoice.lines:
                found = sales_by_key.get((invoice.customer, code), [])
                i = bisect.bisect_right([t for t, _s in found], invoice.placed_at) - 1
                if i >= 0 and invoice.placed_at - found[i][0] <= WINDOW:
                    sale = found[i][1]
                    if invoice.placed_at not in sale.cancelled_at:
                        sale.cancelled_at.append(invoice.placed_at)
                    if sale not in invoice.matched:
                        invoice.matched.append(sale)
        else:
            for code in invoice.lines:
                sales_by_key[(invoice.customer, code)].append((invoice.placed_at, invoice))


@dataclass
class Example:
    invoice: Invoice
    features: list[float]
    baseline: float


def examples(invoices: list[Invoice], home_country: str = "United Kingdom") -> list[Example]:
    """One example per sale invoice, its features built only from what came before it."""
    histories: dict[str, CustomerHistory] = defaultdict(CustomerHistory)
    rates = Rates(home_country=home_country)
    out: list[Example] = []
    counted: set[str] = set()
    i = 0
    while i < len(invoices):
        # Invoices of the same minute do not see each other.
        j = i
        while j < len(invoices) and invoices[j].placed_at == invoices[i].placed_at:
            j += 1
        batch = invoices[i:j]
        for invoice in batch:
            if not invoice.is_cancellation:
                history = histories[invoice.customer]
                basket = Basket(invoice.placed_at, invoice.country, invoice.lines)
                out.append(Example(invoice, vector(history, basket, rates), baseline(history)))
        for invoice in batch:
            _remember(histories[invoice.customer], rates, invoice, counted)
        i = j
    return out


def _remember(history: CustomerHistory, rates: Rates, invoice: Invoice, counted: set[str]) -> None:
    value = sum(v for _q, v in invoice.lines.values())
    at = invoice.placed_at
    if history.first_at is None:
        history.first_at = at
    if invoice.is_cancellation:
        history.cancellations += 1
        history.cancelled_value += value
        history.last_cancellation_at = at
        history.cancelled_codes.update(invoice.lines)
        for sale in invoice.matched:
            if sale.number not in counted:
                counted.add(sale.number)
                history.cancelled_orders += 1
        rates.country_cancellations[invoice.country] = (
            rates.country_cancellations.get(invoice.country, 0) + 1
        )
        for code in invoice.lines:
            rates.product_cancelled[code] = rates.product_cancelled.get(code, 0) + 1
        return
    history.orders += 1
    history.sold_value += value
    history.lines += len(invoice.lines)
    history.last_order_at = at
    history.recent_days = [d for d in history.recent_days if at - d < timedelta(days=1)] + [at]
    history.order_dates = [d for d in history.order_dates if at - d < timedelta(days=30)] + [at]
    rates.country_orders[invoice.country] = rates.country_orders.get(invoice.country, 0) + 1
    for code in invoice.lines:
        rates.product_sold[code] = rates.product_sold.get(code, 0) + 1
