"""Reading Olist's tables into one record per order, for training and evaluating the promise model.

The files keep their original Kaggle names (`olist_orders_dataset.csv.gz`, ...); sellers and
products are found under either the shared datasets' short names (`sellers.csv.gz`,
`products.csv.gz`) or the Kaggle ones (`olist_sellers_dataset.csv.gz`, ...). Plain `.csv` works
too. Olist's `order_estimated_delivery_date` is read only to compare with it, never as an input.
Times are naive Brazilian wall-clock times, as published.
"""

from __future__ import annotations

import csv
import datetime
import gzip
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rapport.delivery.features import Geo, Item, OrderFacts

TABLES: dict[str, tuple[str, ...]] = {
    "orders": ("olist_orders_dataset.csv.gz",),
    "items": ("olist_order_items_dataset.csv.gz",),
    "customers": ("olist_customers_dataset.csv.gz",),
    "geolocation": ("olist_geolocation_dataset.csv.gz",),
    "sellers": ("sellers.csv.gz", "olist_sellers_dataset.csv.gz"),
    "products": ("products.csv.gz", "olist_products_dataset.csv.gz"),
}
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class OlistTablesError(Exception):
    """A table is missing or lacks a column the model needs."""


def table_path(directory: Path, table: str) -> Path:
    """The file holding `table` in `directory` (.csv.gz or .csv, either accepted name)."""
    for name in TABLES[table]:
        for candidate in (name, name.removesuffix(".gz")):
            path = directory / candidate
            if path.is_file():
                return path
    raise OlistTablesError(f"{directory} has no {' or '.join(TABLES[table])}")


def check_tables(directory: Path) -> None:
    """Every table present, or one error naming all that are missing."""
    missing = []
    for table, names in TABLES.items():
        try:
            table_path(directory, table)
        except OlistTablesError:
            missing.append(" or ".join(names))
    if missing:
        raise OlistTablesError(f"{directory} has no {'; no '.join(missing)}")


def rows(directory: Path, table: str, columns: tuple[str, ...]) -> Iterator[list[str]]:
    """The wanted columns of each row, streamed (the header is checked first)."""
    path = table_path(directory, table)
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        missing = [c for c in columns if c not in header]
        if missing:
            raise OlistTablesError(f"{path} lacks the column(s) {', '.join(missing)}")
        index = [header.index(c) for c in columns]
        width = max(index) + 1
        for row in reader:
            if len(row) >= width:
                yield [row[i] for i in index]


def when(raw: str) -> datetime.datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return datetime.datetime.strptime(raw[:19], TIME_FORMAT)
    except ValueError:
        return None


def number(raw: str) -> float | None:
    try:
        return float(raw)
    except ValueError:
        return None


def read_geo(directory: Path) -> Geo:
    """Mean latitude/longitude and the most frequent state per zip prefix."""
    sums: dict[str, list[float]] = {}
    states: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    columns = (
        "geolocation_zip_code_prefix",
        "geolocation_lat",
        "geolocation_lng",
        "geolocation_state",
    )
    for raw_prefix, lat, lng, state in rows(directory, "geolocation", columns):
        prefix = raw_prefix.zfill(5)
        states[prefix][state.strip().upper()] += 1
        y, x = number(lat), number(lng)
        # A few rows sit far outside Brazil (bad geocoding): they would skew the mean.
        if y is None or x is None or not (-34.0 <= y <= 5.5 and -74.0 <= x <= -34.0):
            continue
        entry = sums.setdefault(prefix, [0.0, 0.0, 0.0])
        entry[0] += y
        entry[1] += x
        entry[2] += 1
    return Geo(
        points={p: (s[0] / s[2], s[1] / s[2]) for p, s in sums.items()},
        states={p: max(c, key=lambda k: c[k]) for p, c in states.items()},
    )


def read_orders(directory: Path) -> list[OrderFacts]:
    """Every order with a purchase time, its items, customer and sellers, sorted by purchase."""
    customers = {
        cid: (zip_.zfill(5), state.strip().upper())
        for cid, zip_, state in rows(
            directory,
            "customers",
            ("customer_id", "customer_zip_code_prefix", "customer_state"),
        )
    }
    sellers = {
        sid: (zip_.zfill(5), state.strip().upper())
        for sid, zip_, state in rows(
            directory, "sellers", ("seller_id", "seller_zip_code_prefix", "seller_state")
        )
    }
    products: dict[str, tuple[float | None, float | None]] = {}
    for pid, weight, length, height, width in rows(
        directory,
        "products",
        (
            "product_id",
            "product_weight_g",
            "product_length_cm",
            "product_height_cm",
            "product_width_cm",
        ),
    ):
        dims = [number(v) for v in (length, height, width)]
        volume = None if None in dims else dims[0] * dims[1] * dims[2]  # type: ignore[operator]
        products[pid] = (number(weight), volume)
    items: dict[str, list[Item]] = defaultdict(list)
    for oid, pid, sid, price, freight in rows(
        directory,
        "items",
        ("order_id", "product_id", "seller_id", "price", "freight_value"),
    ):
        unit_weight, unit_volume = products.get(pid, (None, None))
        seller_zip, seller_state = sellers.get(sid, ("", ""))
        items[oid].append(
            Item(
                seller_ref=sid,
                seller_zip=seller_zip,
                seller_state=seller_state,
                weight_g=unit_weight,
                volume_cm3=unit_volume,
                price=number(price) or 0.0,
                freight=number(freight) or 0.0,
            )
        )
    orders = []
    for oid, cid, status, bought, approved, carrier, delivered, estimated in rows(
        directory,
        "orders",
        (
            "order_id",
            "customer_id",
            "order_status",
            "order_purchase_timestamp",
            "order_approved_at",
            "order_delivered_carrier_date",
            "order_delivered_customer_date",
            "order_estimated_delivery_date",
        ),
    ):
        purchased_at = when(bought)
        if purchased_at is None:
            continue
        zip_, state = customers.get(cid, ("", ""))
        promised = when(estimated)
        orders.append(
            OrderFacts(
                ref=oid,
                status=status.strip(),
                purchased_at=purchased_at,
                approved_at=when(approved),
                handed_over_at=when(carrier),
                delivered_at=when(delivered) if status.strip() == "delivered" else None,
                customer_zip=zip_,
                customer_state=state,
                items=tuple(items.get(oid, ())),
                their_promise=promised.date() if promised else None,
            )
        )
    orders.sort(key=lambda o: (o.purchased_at, o.ref))
    return orders
