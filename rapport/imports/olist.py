"""Import the Olist marketplace tables: sellers, customers, categories, products, orders (with
lines, payments and reviews).

Orders, items and customers are the full tables (orders purchased before 2018-06-01), read by
their Kaggle names; payments cover every Kaggle order, so the payments of later orders are
reported; reviews are optional (only an excerpt exists). A row that refers to an order or
customer that is not in the data is reported (counts per reason + CSV) and the missing side is
never invented. `purchased_from` imports only the orders purchased on or after a day (and the
customers, items, payments and reviews of those orders): the demo's default. The rules are in
docs/data-import.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from rapport.catalog.models import Category, Product, Seller
from rapport.catalog.services import recompute_popularity
from rapport.customers.models import Customer
from rapport.imports.common import (
    BadValue,
    batched,
    has_fraction_of_cent,
    parse_decimal,
    parse_local_datetime,
    parse_optional_int,
    taken_slugs,
    unique_slug,
)
from rapport.imports.csvfiles import check_header, progress_bar, read_rows
from rapport.imports.report import ImportReport

SOURCE = "olist"
CURRENCY = "BRL"
COUNTRY = "Brazil"
# Olist timestamps are Brazilian local times (São Paulo, which still had summer time in 2016-18).
TIME_ZONE = ZoneInfo("America/Sao_Paulo")

FILES: dict[str, list[str]] = {
    "product_category_name_translation.csv.gz": [
        "product_category_name",
        "product_category_name_english",
    ],
    "sellers.csv.gz": ["seller_id", "seller_zip_code_prefix", "seller_city", "seller_state"],
    "olist_customers_dataset.csv.gz": [
        "customer_id",
        "customer_unique_id",
        "customer_zip_code_prefix",
        "customer_city",
        "customer_state",
    ],
    "products.csv.gz": [
        "product_id",
        "product_category_name",
        "product_name_lenght",
        "product_description_lenght",
        "product_photos_qty",
        "product_weight_g",
        "product_length_cm",
        "product_height_cm",
        "product_width_cm",
    ],
    "olist_orders_dataset.csv.gz": [
        "order_id",
        "customer_id",
        "order_status",
        "order_purchase_timestamp",
        "order_approved_at",
        "order_delivered_carrier_date",
        "order_delivered_customer_date",
        "order_estimated_delivery_date",
    ],
    "olist_order_items_dataset.csv.gz": [
        "order_id",
        "order_item_id",
        "product_id",
        "seller_id",
        "shipping_limit_date",
        "price",
        "freight_value",
    ],
    "order_payments.csv.gz": [
        "order_id",
        "payment_sequential",
        "payment_type",
        "payment_installments",
        "payment_value",
    ],
}
# Reviews exist only as an excerpt: imported when the file is there, skipped otherwise.
OPTIONAL_FILES: dict[str, list[str]] = {
    "order_reviews_excerpt.csv.gz": [
        "review_id",
        "order_id",
        "review_score",
        "review_comment_title",
        "review_comment_message",
        "review_creation_date",
        "review_answer_timestamp",
    ],
}

REASONS = {
    "unreadable_value": "a required field is empty or not a number/date",
    "duplicate_key": "the same key appears on an earlier row of the file",
    "customer_not_in_customers": "order kept without a customer: its customer_id is not in "
    "olist_customers_dataset (external_customer_ref keeps it)",
    "order_not_in_orders": "refers to an order that is not in olist_orders_dataset",
    "review_order_not_in_orders": "review kept without an order: its order_id is not in "
    "olist_orders_dataset (external_order_ref keeps it)",
    "unknown_product": "product_id is not in products",
    "unknown_seller": "line kept without a seller: seller_id is not in sellers",
    "unknown_status": "order_status is not one Olist uses",
    "unknown_payment_type": "payment_type is not one Olist uses",
    "score_out_of_range": "review_score is not 1 to 5",
    "fraction_of_cent": "amount has fractions of a centavo",
}


def required(row: dict[str, str], column: str) -> str:
    value = (row.get(column) or "").strip()
    if not value:
        raise BadValue(f"{column} is empty")
    return value


def money(row: dict[str, str], column: str) -> Decimal:
    amount = parse_decimal(required(row, column))
    if amount < 0:
        raise BadValue(f"{column} is negative")
    if has_fraction_of_cent(amount):
        raise BadValue("fraction_of_cent")
    return amount


@dataclass
class OlistContext:
    """What one run has read so far, shared by the steps in `olist_orders`."""

    directory: Path
    report: ImportReport
    progress: bool
    progress_file: IO[str] | None
    dates: dict[str, datetime] = field(default_factory=dict)
    category_names: dict[str, str] = field(default_factory=dict)  # pt → display name
    seller_ids: dict[str, int] = field(default_factory=dict)
    customer_by_ref: dict[str, int] = field(default_factory=dict)  # customer_id → Customer pk
    product_ids: dict[str, int] = field(default_factory=dict)
    product_names: dict[str, str] = field(default_factory=dict)
    latest_price: dict[str, tuple[datetime, int, Decimal]] = field(default_factory=dict)
    purchased_from: date | None = None
    # customer_id → (row number, row) read from the customers file, created once orders are read.
    customer_rows: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    # Orders left out by `purchased_from`: their items, payments and reviews are skipped too.
    outside: set[str] = field(default_factory=set)

    def stream(self, name: str) -> Iterator[tuple[int, dict[str, str]]]:
        """Rows of one file with a progress bar; opens that file's report CSV."""
        self.report.open_file(name, {**FILES, **OPTIONAL_FILES}[name])
        with progress_bar(
            enabled=self.progress, desc=name.split(".")[0], total=None, file=self.progress_file
        ) as bar:
            for number, row in read_rows(self.directory / name):
                self.report.rows_read[name] += 1
                bar.update()
                yield number, row

    def when(self, row: dict[str, str], column: str) -> datetime | None:
        value = (row.get(column) or "").strip()
        return parse_local_datetime(value, TIME_ZONE, self.dates) if value else None


def check_files(directory: Path) -> None:
    """Every file present with its expected header, before anything is written."""
    for name, columns in FILES.items():
        check_header(directory / name, columns)
    for name, columns in OPTIONAL_FILES.items():
        if (directory / name).exists():
            check_header(directory / name, columns)


def display_category(english: str) -> str:
    """ "health_beauty" → "Health beauty": the translation file's words, made readable."""
    words = english.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def import_translations(ctx: OlistContext) -> dict[str, str]:
    """pt category name → English (as in the file); reported rows are skipped."""
    name = "product_category_name_translation.csv.gz"
    english: dict[str, str] = {}
    for number, row in ctx.stream(name):
        pt = (row.get("product_category_name") or "").strip()
        en = (row.get("product_category_name_english") or "").strip()
        if not pt or not en:
            ctx.report.reject(name, number, "unreadable_value", row)
        elif pt in english:
            ctx.report.reject(name, number, "duplicate_key", row)
        else:
            english[pt] = en
    return english


def import_sellers(ctx: OlistContext) -> None:
    name = "sellers.csv.gz"
    rows: dict[str, Seller] = {}
    for number, row in ctx.stream(name):
        seller_id = (row.get("seller_id") or "").strip()
        if not seller_id:
            ctx.report.reject(name, number, "unreadable_value", row)
        elif seller_id in rows:
            ctx.report.reject(name, number, "duplicate_key", row)
        else:
            rows[seller_id] = Seller(
                external_id=seller_id,
                zip_code_prefix=(row.get("seller_zip_code_prefix") or "").strip(),
                city=(row.get("seller_city") or "").strip(),
                state=(row.get("seller_state") or "").strip(),
            )
    existing = set(Seller.objects.values_list("external_id", flat=True))
    new = [seller for key, seller in rows.items() if key not in existing]
    with transaction.atomic():
        Seller.objects.bulk_create(new, batch_size=1000)
    ctx.report.counts["sellers created"] = len(new)
    ctx.report.counts["sellers already present"] = len(rows) - len(new)
    ctx.seller_ids = dict(Seller.objects.values_list("external_id", "id"))


def read_customers(ctx: OlistContext) -> None:
    """Remember every customer row (customer_id → row); created by `import_customers`."""
    name = "olist_customers_dataset.csv.gz"
    for number, row in ctx.stream(name):
        customer_id = (row.get("customer_id") or "").strip()
        if not customer_id or not (row.get("customer_unique_id") or "").strip():
            ctx.report.reject(name, number, "unreadable_value", row)
        elif customer_id in ctx.customer_rows:
            ctx.report.reject(name, number, "duplicate_key", row)
        else:
            ctx.customer_rows[customer_id] = (number, row)


def import_customers(ctx: OlistContext, wanted: set[str] | None = None) -> None:
    """One Customer per customer_unique_id (the person); customer_id is per order. `wanted`:
    only these customer_ids (those of the imported orders), or all when None."""
    people: dict[str, Customer] = {}
    person_of: dict[str, str] = {}
    for customer_id, (_number, row) in ctx.customer_rows.items():
        if wanted is not None and customer_id not in wanted:
            continue
        person = (row.get("customer_unique_id") or "").strip()
        person_of[customer_id] = person
        people.setdefault(
            person,
            Customer(
                source=SOURCE,
                external_id=person,
                country=COUNTRY,
                region=(row.get("customer_state") or "").strip(),
                city=(row.get("customer_city") or "").strip(),
                postal_code=(row.get("customer_zip_code_prefix") or "").strip(),
            ),
        )
    existing = set(
        Customer.objects.filter(source=SOURCE, external_id__in=list(people)).values_list(
            "external_id", flat=True
        )
    )
    new = [customer for key, customer in people.items() if key not in existing]
    with transaction.atomic():
        Customer.objects.bulk_create(new, batch_size=1000)
    ctx.report.counts["customers created"] = len(new)
    ctx.report.counts["customers already present"] = len(people) - len(new)
    pk_of: dict[str, int] = {}
    for chunk in batched(list(people), 5000):
        pk_of.update(
            Customer.objects.filter(source=SOURCE, external_id__in=chunk).values_list(
                "external_id", "id"
            )
        )
    ctx.customer_by_ref = {ref: pk_of[person] for ref, person in person_of.items()}


def import_categories(ctx: OlistContext, english: dict[str, str]) -> dict[str, int]:
    """One flat Category per Portuguese category name used by a product or translated."""
    used: set[str] = set(english)
    with transaction.atomic():
        existing = {
            c.external_key: c
            for c in Category.objects.filter(source=SOURCE).exclude(external_key="")
        }
        taken = taken_slugs()
        new = []
        for pt in sorted(used - set(existing)):
            display = display_category(english.get(pt, pt))
            new.append(
                Category(
                    name=display[:120],
                    slug=unique_slug(display, taken),
                    source=SOURCE,
                    external_key=pt,
                    name_original=pt,
                )
            )
        Category.objects.bulk_create(new)
    ctx.report.counts["categories created"] = len(new)
    ctx.report.counts["categories already present"] = len(used) - len(new)
    rows = Category.objects.filter(source=SOURCE).values_list("external_key", "id", "name")
    ctx.category_names = {key: display for key, _pk, display in rows}
    return {key: pk for key, pk, _display in rows}


def product_display_name(product_id: str, category: str) -> str:
    """Olist publishes no product names: an honest label from the category and the id."""
    return f"{category or 'Olist'} item {product_id[:8]}"


def import_products(ctx: OlistContext, english: dict[str, str]) -> None:
    """Products with weight and size; price from the latest order item (else not on sale)."""
    name = "products.csv.gz"
    # Categories first: untranslated Portuguese names appear only in the products file.
    categories_seen: set[str] = set(english)
    parsed: dict[str, Product] = {}
    category_of: dict[str, str] = {}
    for number, row in ctx.stream(name):
        try:
            product_id = required(row, "product_id")
            dims = [
                parse_optional_int((row.get(column) or "").strip())
                for column in (
                    "product_weight_g",
                    "product_length_cm",
                    "product_height_cm",
                    "product_width_cm",
                    "product_photos_qty",
                )
            ]
        except BadValue:
            ctx.report.reject(name, number, "unreadable_value", row)
            continue
        if product_id in parsed:
            ctx.report.reject(name, number, "duplicate_key", row)
            continue
        category = (row.get("product_category_name") or "").strip()
        if category:
            categories_seen.add(category)
        weight, length, height, width, photos = dims
        product = Product(
            sku=product_id,
            weight_g=weight,
            length_cm=length,
            height_cm=height,
            width_cm=width,
            photos_count=photos or 0,
            currency=CURRENCY,
            source=SOURCE,
        )
        category_of[product_id] = category
        parsed[product_id] = product
    category_ids = import_categories(ctx, {pt: english.get(pt, pt) for pt in categories_seen})
    existing = set(Product.objects.filter(source=SOURCE).values_list("sku", flat=True))
    created = 0
    on_sale_here = settings.RAPPORT_CURRENCY == CURRENCY
    for chunk in batched((p for p in parsed.values() if p.sku not in existing), 2000):
        for product in chunk:
            pt = category_of[product.sku]
            product.category_id = category_ids[pt] if pt else None
            product.name = product_display_name(product.sku, ctx.category_names.get(pt, ""))
            product.slug = slugify(product.name)[:300]
            seen = ctx.latest_price.get(product.sku)
            product.price = seen[2] if seen else None
            product.price_updated_at = seen[0] if seen else None
            # Olist sells in reais: its products are on sale only in a shop that sells in BRL;
            # in the GBP demo they are order history, never mixed into a pound catalogue.
            product.is_active = seen is not None and on_sale_here
        with transaction.atomic():
            Product.objects.bulk_create(chunk)
        created += len(chunk)
    ctx.report.counts["products created"] = created
    ctx.report.counts["products already present"] = len(parsed) - created
    ctx.report.counts["products with a price (on sale)"] = (
        sum(1 for sku in parsed if sku in ctx.latest_price) if on_sale_here else 0
    )
    rows = Product.objects.filter(source=SOURCE).values_list("sku", "id", "name")
    ctx.product_ids = {sku: pk for sku, pk, _ in rows}
    ctx.product_names = {sku: product_name for sku, _, product_name in rows}


def import_olist(
    directory: Path,
    *,
    report_dir: Path,
    progress: bool = False,
    progress_file: IO[str] | None = None,
    purchased_from: date | None = None,
) -> ImportReport:
    """Import the Olist files in `directory`; idempotent. With `purchased_from`, only the orders
    purchased on or after that day (with their customers, items, payments and reviews). Raises
    ImportFileError before writing anything when a file is missing or has another header."""
    from rapport.imports import olist_orders

    check_files(directory)
    report = ImportReport(name=SOURCE, report_dir=report_dir, reasons=REASONS)
    ctx = OlistContext(
        directory=directory,
        report=report,
        progress=progress,
        progress_file=progress_file,
        purchased_from=purchased_from,
    )
    try:
        english = import_translations(ctx)
        import_sellers(ctx)
        read_customers(ctx)
        orders = olist_orders.read_orders(ctx)
        import_customers(ctx, {o.customer_ref for o in orders.values()} if purchased_from else None)
        items = olist_orders.read_items(ctx, orders)
        import_products(ctx, english)
        payments = olist_orders.read_payments(ctx, orders)
        olist_orders.write_orders(ctx, orders, items, payments)
        if (directory / olist_orders.REVIEWS).exists():
            olist_orders.import_reviews(ctx)
        recompute_popularity()
    finally:
        report.close()
    return report
