"""Per-order records of the Olist orders excerpt joined to everything that joins to it.

Only the orders table carries timestamps. Payments join to every order (the full Kaggle table);
items (hence product weight/size and seller state) join to about 200 orders; customers to 9.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

FMT = "%Y-%m-%d %H:%M:%S"


def _when(raw: str) -> dt.datetime | None:
    return dt.datetime.strptime(raw, FMT) if raw else None


def _rows(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass
class Order:
    order_id: str
    status: str
    purchased: dt.datetime
    approved: dt.datetime | None
    handed_over: dt.datetime | None  # order_delivered_carrier_date
    delivered: dt.datetime | None
    olist_promise: dt.date | None  # the competitor's promise: never a model input
    pay_value: float
    pay_installments: int
    pay_rows: int
    pay_type: str  # of the first payment row (boleto, credit_card, voucher, debit_card)
    # Only for the orders whose items are in the items excerpt:
    weight_g: float | None = None
    volume_cm3: float | None = None
    freight: float | None = None
    seller_state: str | None = None


def load(data_dir: Path) -> list[Order]:
    pay: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _rows(data_dir / "order_payments.csv.gz"):
        pay[row["order_id"]].append(row)
    items: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _rows(data_dir / "order_items_excerpt.csv.gz"):
        items[row["order_id"]].append(row)
    products = {r["product_id"]: r for r in _rows(data_dir / "products.csv.gz")}
    sellers = {r["seller_id"]: r for r in _rows(data_dir / "sellers.csv.gz")}
    orders = []
    for row in _rows(data_dir / "orders_excerpt.csv.gz"):
        purchased = _when(row["order_purchase_timestamp"])
        if purchased is None:
            continue
        payments = sorted(pay.get(row["order_id"], []), key=lambda p: int(p["payment_sequential"]))
        promise = _when(row["order_estimated_delivery_date"])
        order = Order(
            order_id=row["order_id"],
            status=row["order_status"],
            purchased=purchased,
            approved=_when(row["order_approved_at"]),
            handed_over=_when(row["order_delivered_carrier_date"]),
            delivered=_when(row["order_delivered_customer_date"]),
            olist_promise=promise.date() if promise else None,
            pay_value=sum(float(p["payment_value"]) for p in payments),
            pay_installments=max((int(p["payment_installments"]) for p in payments), default=0),
            pay_rows=len(payments),
            pay_type=payments[0]["payment_type"] if payments else "",
        )
        lines = items.get(row["order_id"])
        if lines:
            weight = volume = 0.0
            for line in lines:
                product = products.get(line["product_id"], {})
                try:
                    weight += float(product["product_weight_g"])
                    volume += (
                        float(product["product_length_cm"])
                        * float(product["product_height_cm"])
                        * float(product["product_width_cm"])
                    )
                except (KeyError, ValueError):
                    pass
            order.weight_g, order.volume_cm3 = weight, volume
            order.freight = sum(float(line["freight_value"]) for line in lines)
            order.seller_state = sellers.get(lines[0]["seller_id"], {}).get("seller_state")
        orders.append(order)
    return orders
