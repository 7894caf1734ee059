"""Import the UCI Online Retail invoice lines (2010-12 → 2011-12) as products, customers, orders.

Two streaming passes over the gzipped CSV, never the whole file in memory:

1. *Scan*: classify every row (accepted or rejected with a reason), and gather what the catalogue
   and the customer list need: per stock code its descriptions and latest price, per customer its
   latest country, per invoice its date, customer, total and accepted line count.
2. *Write*: create the missing categories, products and customers; then stream again and create
   each invoice that is not in the database yet, with its lines, in batches (`bulk_create`, one
   transaction per batch, an order and its lines always in the same transaction).

Every rule is documented in docs/data-import.md; `classify_row` is the rule table in code.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.text import slugify

from rapport.catalog.models import Product
from rapport.catalog.services import recompute_popularity
from rapport.customers.models import Customer
from rapport.imports import categories
from rapport.imports.common import BadValue, has_fraction_of_cent, parse_decimal, parse_int
from rapport.imports.common import parse_local_datetime as parse_datetime
from rapport.imports.csvfiles import ImportFileError, check_header, progress_bar, read_rows
from rapport.imports.report import ImportReport
from rapport.orders.models import LineKind, Order, OrderKind, OrderLine, OrderStatus

SOURCE = "online_retail"
CURRENCY = "GBP"
# The shop is in the UK and the invoice times are its local wall-clock times (BST in summer).
TIME_ZONE = ZoneInfo("Europe/London")
COLUMNS = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]
# Online Retail II (2009-2011) names three columns differently; rows are renamed to the names above.
COLUMNS_II = [
    "Invoice",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "Price",
    "Customer ID",
    "Country",
]
RENAMES_II = {"Invoice": "InvoiceNo", "Price": "UnitPrice", "Customer ID": "CustomerID"}
ORDER_NUMBER_PREFIX = "OR-"
BATCH_LINES = 5_000

# Codes that are not goods: they become non-product order lines and never catalogue products.
NON_PRODUCT_CODES: dict[str, LineKind] = {
    "POST": LineKind.SHIPPING,  # postage
    "DOT": LineKind.SHIPPING,  # "DOTCOM POSTAGE"
    "C2": LineKind.SHIPPING,  # "CARRIAGE"
    "D": LineKind.DISCOUNT,
    "BANK CHARGES": LineKind.FEE,
    "AMAZONFEE": LineKind.FEE,
    "CRUK": LineKind.FEE,  # "CRUK Commission" paid to Cancer Research UK
    "M": LineKind.MANUAL,  # "Manual" price lines
    "S": LineKind.MANUAL,  # "SAMPLES"
    "PADS": LineKind.MANUAL,  # "PADS TO MATCH ALL CUSHIONS", priced at £0.001
}
# "Dotcomgiftshop Gift Voucher £20.00": a voucher sold is a liability, not a catalogue product.
GIFT_VOUCHER = re.compile(r"GIFT_\d{4}_\d+")
BAD_DEBT_CODE = "B"
SALE_INVOICE = re.compile(r"\d+")
CREDIT_NOTE_INVOICE = re.compile(r"C\d+")

REASONS = {
    "unreadable_value": "a required field is empty or not a number/date",
    "unknown_invoice_type": "invoice number is neither digits (sale) nor C + digits (credit note)",
    "bad_debt_adjustment": "stock code B 'Adjust bad debt': an accounting write-off, not a sale",
    "stock_adjustment": "negative quantity on a sale invoice: a stock write-off "
    "(damaged, lost, found, 'check'), never sold to anyone",
    "zero_price": "unit price 0: nothing was charged (free samples, adjustments, notes)",
    "negative_price": "negative unit price",
    "fraction_of_penny_price": "unit price below £0.01 precision (e.g. £0.001): not storable "
    "in pence without rounding",
    "credit_note_positive_quantity": "credit note line with a quantity ≥ 0",
    "zero_quantity": "quantity 0",
}


@dataclass(slots=True)
class Line:
    """One accepted row, parsed."""

    invoice: str
    code: str
    description: str
    quantity: int
    unit_price: Decimal
    placed_at: datetime
    customer_ref: str
    country: str
    kind: LineKind
    is_credit_note: bool


@dataclass
class _ProductInfo:
    descriptions: Counter[str] = field(default_factory=Counter)
    last_seen: dict[str, int] = field(default_factory=dict)  # description → last row number
    sale_price: tuple[datetime, int, Decimal] | None = None  # (when, row, price)
    credit_price: tuple[datetime, int, Decimal] | None = None


@dataclass
class _InvoiceInfo:
    placed_at: datetime
    customer_ref: str
    country: str
    is_credit_note: bool
    total: Decimal = Decimal("0.00")
    line_count: int = 0


def normalise_code(raw: str) -> str:
    # "85123a" and "85123A" carry the same product ("WHITE HANGING HEART T-LIGHT HOLDER"), and
    # "m" is "M" (Manual): stock codes are compared in upper case.
    return raw.strip().upper()


def line_kind(code: str) -> LineKind:
    if code in NON_PRODUCT_CODES:
        return NON_PRODUCT_CODES[code]
    if GIFT_VOUCHER.fullmatch(code):
        return LineKind.MANUAL
    return LineKind.PRODUCT


def classify_row(row: dict[str, str], dates: dict[str, datetime]) -> Line | str:
    """The rule table: a parsed `Line` for an accepted row, else the rejection reason code."""
    invoice = (row.get("InvoiceNo") or "").strip()
    code = normalise_code(row.get("StockCode") or "")
    try:
        if not invoice or not code:
            raise BadValue("empty invoice number or stock code")
        quantity = parse_int((row.get("Quantity") or "").strip())
        price = parse_decimal((row.get("UnitPrice") or "").strip())
        placed_at = parse_datetime((row.get("InvoiceDate") or "").strip(), TIME_ZONE, dates)
    except BadValue:
        return "unreadable_value"
    if code == BAD_DEBT_CODE:
        return "bad_debt_adjustment"
    is_credit_note = CREDIT_NOTE_INVOICE.fullmatch(invoice) is not None
    if not is_credit_note and SALE_INVOICE.fullmatch(invoice) is None:
        return "unknown_invoice_type"
    if not is_credit_note and quantity < 0:
        return "stock_adjustment"
    if price == 0:
        return "zero_price"
    if price < 0:
        return "negative_price"
    if has_fraction_of_cent(price):
        return "fraction_of_penny_price"
    if quantity == 0:
        return "zero_quantity"
    if is_credit_note and quantity > 0:
        return "credit_note_positive_quantity"
    return Line(
        invoice=invoice,
        code=code,
        description=(row.get("Description") or "").strip(),
        quantity=quantity,
        unit_price=price,
        placed_at=placed_at,
        customer_ref=(row.get("CustomerID") or "").strip(),
        country=(row.get("Country") or "").strip(),
        kind=line_kind(code),
        is_credit_note=is_credit_note,
    )


class _Scan:
    """Pass 1: what the catalogue, the customers and the orders need, from accepted rows."""

    def __init__(self) -> None:
        self.products: dict[str, _ProductInfo] = defaultdict(_ProductInfo)
        self.customers: dict[str, tuple[datetime, str]] = {}  # ref → (latest date, country)
        self.invoices: dict[str, _InvoiceInfo] = {}

    def add(self, number: int, line: Line) -> None:
        if line.kind == LineKind.PRODUCT:
            info = self.products[line.code]
            if line.description:
                info.descriptions[line.description] += 1
                info.last_seen[line.description] = number
            seen = (line.placed_at, number, line.unit_price)
            if line.is_credit_note:
                if info.credit_price is None or seen[:2] >= info.credit_price[:2]:
                    info.credit_price = seen
            elif info.sale_price is None or seen[:2] >= info.sale_price[:2]:
                info.sale_price = seen
        if line.customer_ref:
            known = self.customers.get(line.customer_ref)
            if known is None or line.placed_at >= known[0]:
                self.customers[line.customer_ref] = (line.placed_at, line.country)
        invoice = self.invoices.get(line.invoice)
        if invoice is None:
            invoice = _InvoiceInfo(
                placed_at=line.placed_at,
                customer_ref=line.customer_ref,
                country=line.country,
                is_credit_note=line.is_credit_note,
            )
            self.invoices[line.invoice] = invoice
        # A few invoices span two minutes: the order was placed at the first one.
        invoice.placed_at = min(invoice.placed_at, line.placed_at)
        invoice.total += line.unit_price * line.quantity
        invoice.line_count += 1


def product_name(code: str, info: _ProductInfo) -> str:
    """The most frequent description; on a tie the one seen last; the code when none."""
    if not info.descriptions:
        return f"Item {code}"
    return max(info.descriptions, key=lambda d: (info.descriptions[d], info.last_seen[d]))


def import_online_retail(
    path: Path,
    *,
    report_dir: Path,
    progress: bool = False,
    progress_file: IO[str] | None = None,
) -> ImportReport:
    """Import the Online Retail CSV at `path`; idempotent (existing records are left as they are).

    Raises ImportFileError before writing anything when the file is missing or its header is not
    the Online Retail header.
    """
    columns_of(path)
    report = ImportReport(name=SOURCE, report_dir=report_dir, reasons=REASONS)
    report.open_file(path.name, COLUMNS)
    try:
        scan = _scan(path, report, progress, progress_file)
        product_ids = _write_products(scan, report)
        customer_ids = _write_customers(scan, report)
        _write_orders(path, scan, product_ids, customer_ids, report, progress, progress_file)
        recompute_popularity()
    finally:
        report.close()
    return report


def columns_of(path: Path) -> list[str]:
    """The file's header when it is either UCI naming (Online Retail or Online Retail II).

    Raises ImportFileError (naming the Online Retail header) for anything else.
    """
    try:
        check_header(path, COLUMNS)
    except ImportFileError as first:
        try:
            check_header(path, COLUMNS_II)
        except ImportFileError:
            raise first from None
        return COLUMNS_II
    return COLUMNS


def canonical_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """`read_rows` with Online Retail II rows renamed to the Online Retail column names; its
    customer ids written as floats by some exports ("13085.0") become "13085"."""
    renames = RENAMES_II if columns_of(path) == COLUMNS_II else {}
    for number, row in read_rows(path):
        if renames:
            row = {renames.get(k, k): v for k, v in row.items()}
            ref = (row.get("CustomerID") or "").strip()
            if ref.endswith(".0") and ref[:-2].isdigit():
                row["CustomerID"] = ref[:-2]
        yield number, row


def _scan(path: Path, report: ImportReport, progress: bool, out: IO[str] | None) -> _Scan:
    scan = _Scan()
    dates: dict[str, datetime] = {}
    with progress_bar(enabled=progress, desc="Reading", total=None, file=out) as bar:
        for number, row in canonical_rows(path):
            result = classify_row(row, dates)
            if isinstance(result, str):
                report.reject(path.name, number, result, row)
            else:
                scan.add(number, result)
            bar.update()
            report.rows_read[path.name] += 1
    return scan


def _write_products(scan: _Scan, report: ImportReport) -> dict[str, int]:
    with transaction.atomic():
        leaves = categories.ensure_category_tree()
        existing = set(
            Product.objects.filter(sku__in=list(scan.products)).values_list("sku", flat=True)
        )
        new = []
        in_fallback = 0
        for code, info in scan.products.items():
            if code in existing:
                continue
            name = product_name(code, info)
            rule = categories.classify(name)
            in_fallback += rule is categories.FALLBACK
            price_seen = info.sale_price or info.credit_price
            assert price_seen is not None  # every accepted line has a price
            new.append(
                Product(
                    sku=code,
                    name=name[:255],
                    slug=(slugify(name) or slugify(code))[:300],
                    category=leaves[rule.child_key],
                    price=price_seen[2],
                    price_updated_at=price_seen[0],
                    currency=CURRENCY,
                    source=SOURCE,
                )
            )
        Product.objects.bulk_create(new, batch_size=1000)
    report.counts["products created"] = len(new)
    report.counts["products already present"] = len(existing)
    report.counts["new products in the fallback category"] = in_fallback
    return dict(Product.objects.filter(sku__in=list(scan.products)).values_list("sku", "id"))


def _write_customers(scan: _Scan, report: ImportReport) -> dict[str, int]:
    with transaction.atomic():
        existing = set(Customer.objects.filter(source=SOURCE).values_list("external_id", flat=True))
        new = [
            Customer(source=SOURCE, external_id=ref, country=country)
            for ref, (_when, country) in scan.customers.items()
            if ref not in existing
        ]
        Customer.objects.bulk_create(new, batch_size=1000)
    report.counts["customers created"] = len(new)
    report.counts["customers already present"] = len(scan.customers) - len(new)
    return dict(Customer.objects.filter(source=SOURCE).values_list("external_id", "id"))


def _write_orders(
    path: Path,
    scan: _Scan,
    product_ids: dict[str, int],
    customer_ids: dict[str, int],
    report: ImportReport,
    progress: bool,
    out: IO[str] | None,
) -> None:
    existing = set(Order.objects.filter(source=SOURCE).values_list("external_id", flat=True))
    pending: dict[str, list[OrderLine]] = defaultdict(list)
    ready: list[tuple[str, list[OrderLine]]] = []
    ready_lines = 0
    created = {"orders": 0, "credit notes": 0, "lines": 0}
    dates: dict[str, datetime] = {}
    report.counts["orders and credit notes already present"] = len(existing & set(scan.invoices))
    if not set(scan.invoices) - existing:
        # Nothing new to write (a second run): skip the second pass.
        report.counts.update({"orders created": 0, "credit notes created": 0})
        report.counts["order lines created"] = 0
        return

    def flush() -> None:
        nonlocal ready, ready_lines
        orders = [_order(invoice, scan.invoices[invoice], customer_ids) for invoice, _ in ready]
        with transaction.atomic():
            Order.objects.bulk_create(orders)
            lines = []
            for order, (_invoice, order_lines) in zip(orders, ready, strict=True):
                for line in order_lines:
                    line.order_id = order.pk
                lines.extend(order_lines)
            OrderLine.objects.bulk_create(lines, batch_size=2500)
        for order in orders:
            created["credit notes" if order.kind == OrderKind.CREDIT_NOTE else "orders"] += 1
        created["lines"] += len(lines)
        ready, ready_lines = [], 0

    with progress_bar(
        enabled=progress, desc="Writing", total=report.rows_read[path.name], file=out
    ) as bar:
        for _number, row in canonical_rows(path):
            bar.update()
            line = classify_row(row, dates)
            if isinstance(line, str) or line.invoice in existing:
                continue
            lines = pending[line.invoice]
            lines.append(_order_line(line, len(lines) + 1, product_ids, scan))
            # Invoices are contiguous in the file except one: wait until all its lines are in.
            if len(lines) == scan.invoices[line.invoice].line_count:
                ready.append((line.invoice, pending.pop(line.invoice)))
                ready_lines += len(lines)
                if ready_lines >= BATCH_LINES:
                    flush()
        if ready:
            flush()
    report.counts["orders created"] = created["orders"]
    report.counts["credit notes created"] = created["credit notes"]
    report.counts["order lines created"] = created["lines"]


def _order(invoice: str, info: _InvoiceInfo, customer_ids: dict[str, int]) -> Order:
    return Order(
        number=f"{ORDER_NUMBER_PREFIX}{invoice}",
        kind=OrderKind.CREDIT_NOTE if info.is_credit_note else OrderKind.ORDER,
        # History: sales were delivered; a credit note is a completed refund of earlier sales.
        status=OrderStatus.REFUNDED if info.is_credit_note else OrderStatus.DELIVERED,
        customer_id=customer_ids.get(info.customer_ref) if info.customer_ref else None,
        currency=CURRENCY,
        total=info.total,
        placed_at=info.placed_at,
        country=info.country,
        source=SOURCE,
        external_id=invoice,
        external_customer_ref=info.customer_ref,
    )


def _order_line(line: Line, position: int, product_ids: dict[str, int], scan: _Scan) -> OrderLine:
    is_product = line.kind == LineKind.PRODUCT
    name = line.description
    if not name:
        name = product_name(line.code, scan.products[line.code]) if is_product else line.code
    return OrderLine(
        kind=line.kind,
        product_id=product_ids[line.code] if is_product else None,
        sku=line.code,
        # The line keeps the description printed on that invoice (history), not today's name.
        name=name[:255],
        quantity=line.quantity,
        unit_price=line.unit_price,
        line_total=line.unit_price * line.quantity,
        position=position,
    )
