"""Olist orders → labelled invoices for the order-risk model (the second source of real outcomes).

The labelling rule (docs/order-risk.md): an order is positive when its status is `canceled` or
`unavailable`. Olist records no cancellation date, so a cancellation is taken as *known* at the
order's last recorded timestamp (approval, carrier hand-over, delivery), or one day after the
purchase when it has none; later orders of the same customer see it in their history from then
on, and training labels respect the cutoff the same way (`Invoice.label(known_before=…)`).
Orders still open at the end of the data (created, approved, processing, invoiced, shipped) are
left out: their outcome is unknown. Orders without items (mostly `unavailable`) are left out
too: an empty basket would give their label away. The customer is `customer_unique_id`, the
"country" the customer's state, prices in BRL.
"""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from rapport.risk.retail import Invoice, RetailFileError

POSITIVE = {"canceled", "unavailable"}
CLOSED = POSITIVE | {"delivered"}
HOME_STATE = "SP"


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        with gzip.open(path, "rt", newline="") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise RetailFileError(f"{path}: {exc}") from exc


def _time(text: str) -> datetime | None:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S") if text else None


def read_olist(folder: Path) -> list[Invoice]:
    """Closed orders with items as sale invoices, plus one cancellation per positive order."""
    customers = {
        r["customer_id"]: (r["customer_unique_id"], r["customer_state"])
        for r in _rows(folder / "olist_customers_dataset.csv.gz")
    }
    lines: dict[str, dict[str, tuple[int, float]]] = defaultdict(dict)
    for r in _rows(folder / "olist_order_items_dataset.csv.gz"):
        q, v = lines[r["order_id"]].get(r["product_id"], (0, 0.0))
        lines[r["order_id"]][r["product_id"]] = (q + 1, v + float(r["price"]))
    invoices: list[Invoice] = []
    for r in _rows(folder / "olist_orders_dataset.csv.gz"):
        status, items = r["order_status"], lines.get(r["order_id"])
        placed = _time(r["order_purchase_timestamp"])
        if status not in CLOSED or not items or placed is None or r["customer_id"] not in customers:
            continue
        customer, state = customers[r["customer_id"]]
        sale = Invoice(r["order_id"], customer, state, placed, False, dict(items))
        invoices.append(sale)
        if status in POSITIVE:
            stamps = [
                t
                for t in (
                    _time(r["order_approved_at"]),
                    _time(r["order_delivered_carrier_date"]),
                    _time(r["order_delivered_customer_date"]),
                )
                if t is not None and t > placed
            ]
            known = max(stamps) if stamps else placed + timedelta(days=1)
            sale.cancelled_at.append(known)
            cancel = Invoice(f"C{r['order_id']}", customer, state, known, True, dict(items))
            cancel.matched.append(sale)
            invoices.append(cancel)
    invoices.sort(key=lambda i: (i.placed_at, i.number))
    return invoices
