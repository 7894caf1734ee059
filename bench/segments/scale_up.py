"""Grow an imported Online Retail database to at least a million orders (benchmark fixture only).

Never part of the test suite; run it on a throw-away PostgreSQL database after
`import_online_retail`::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_rfmscale DEBUG=1 \\
        .venv/bin/python bench/segments/scale_up.py [--orders 1000000]

Method: every customer, order and order line that exists now (the "base") is cloned K times,
K = ceil(target / base orders) - 1, entirely inside PostgreSQL with one `INSERT … SELECT` per
table and clone (no Python loop over rows):

* clone k of a row with id `i` gets id `i + k * stride` (stride = the table's current max id),
  so orders find their cloned customer and lines their cloned order by arithmetic, not by a join;
* customers: `external_id` suffixed `~k`, new `public_id`, no login user, not merged;
  every other column copied (name, email, country, occupation, …);
* orders: `number` and `external_id`/`external_customer_ref` suffixed `~k`, new `public_id`,
  no idempotency key; `placed_at` (and the other timestamps) shifted back by `k % 4` whole weeks,
  so recency varies a little between clones while weekdays stay as they were;
* order lines: copied as they are (same products, quantities, prices) onto the cloned order.

Many-to-many interests, contact points, payments and stock moves are not cloned (RFM and the
demo segments do not read them). Identity sequences are moved past the new ids at the end and
the three tables are ANALYZEd. Each clone commits on its own so deferred foreign-key checks stay
small. With `--drop-indexes` the order lines' secondary indexes and foreign keys are dropped
while cloning and created again at the end (one index build and one validating join instead
of 23 million index insertions and foreign-key lookups: several times faster on a busy machine).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Model  # noqa: E402

from rapport.customers.models import Customer  # noqa: E402
from rapport.orders.models import Order, OrderLine  # noqa: E402

SUFFIX = "'~' || k"
SHIFT = "MOD(k, 4) * INTERVAL '7 days'"


def _columns(model: type[Model], overrides: dict[str, str]) -> tuple[str, str]:
    """(column list, select list) for all concrete columns; `overrides` maps column → SQL."""
    q = connection.ops.quote_name
    names = [f.column for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
    unknown = set(overrides) - set(names)
    if unknown:
        raise SystemExit(f"{model.__name__}: no such columns {sorted(unknown)}")
    return (
        ", ".join(q(n) for n in names),
        ", ".join(overrides.get(n, f"t.{q(n)}") for n in names),
    )


def _suffixed(column: str) -> str:
    return f"CASE WHEN t.{column} = '' THEN '' ELSE t.{column} || {SUFFIX} END"


def _shifted(column: str) -> str:
    return f"t.{column} - {SHIFT}"


def clone(model: type[Model], overrides: dict[str, str], stride: int, k: int) -> int:
    table = connection.ops.quote_name(model._meta.db_table)
    cols, select = _columns(model, overrides)
    sql = (
        f"INSERT INTO {table} ({cols}) SELECT {select} "  # noqa: S608 - constant text, our names
        f"FROM {table} t, (SELECT %s::bigint AS k) kk WHERE t.id <= %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [k, stride])
        return int(cursor.rowcount)


def _drop_line_indexes() -> list[str]:
    """Drop the order lines' secondary indexes and foreign keys; returns the SQL that recreates
    them."""
    table = OrderLine._meta.db_table
    again: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            again.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            again.insert(0, definition)
    return again


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="target order count")
    parser.add_argument(
        "--drop-indexes",
        action="store_true",
        help="drop the order lines' secondary indexes and foreign keys while cloning",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only (set DATABASE_URL).")
    if Customer.objects.filter(external_id__contains="~").exists():
        raise SystemExit("Already scaled up (customers with a '~' suffix exist); use a fresh DB.")

    base_orders = Order.objects.count()
    if not base_orders:
        raise SystemExit("Import Online Retail first.")
    clones = max(0, math.ceil(args.orders / base_orders) - 1)
    strides = {
        m: (m.objects.order_by("-id").values_list("id", flat=True).first() or 0)
        for m in (Customer, Order, OrderLine)
    }
    cs, os_ = strides[Customer], strides[Order]
    print(f"base: {base_orders} orders; {clones} clones; strides {list(strides.values())}")

    customer_overrides = {
        "id": f"t.id + k * {cs}",
        "public_id": "gen_random_uuid()",
        "external_id": _suffixed("external_id"),
        "user_id": "NULL",
        "merged_into_id": "NULL",
        "merged_at": "NULL",
    }
    order_overrides = {
        "id": f"t.id + k * {os_}",
        "public_id": "gen_random_uuid()",
        "number": f"t.number || {SUFFIX}",
        "external_id": _suffixed("external_id"),
        "external_customer_ref": _suffixed("external_customer_ref"),
        "customer_id": f"t.customer_id + k * {cs}",
        "idempotency_key": "NULL",
        **{c: _shifted(c) for c in ("placed_at", "approved_at", "shipped_at", "delivered_at")},
        "estimated_delivery_at": _shifted("estimated_delivery_at"),
    }
    line_overrides = {
        "id": f"t.id + k * {strides[OrderLine]}",
        "order_id": f"t.order_id + k * {os_}",
    }
    started = time.perf_counter()
    recreate = _drop_line_indexes() if args.drop_indexes else []
    for k in range(1, clones + 1):
        with transaction.atomic():
            c = clone(Customer, customer_overrides, cs, k)
            o = clone(Order, order_overrides, os_, k)
            n = clone(OrderLine, line_overrides, strides[OrderLine], k)
        print(
            f"clone {k}/{clones}: {c} customers, {o} orders, {n} lines "
            f"({time.perf_counter() - started:.0f} s)",
            flush=True,
        )

    with connection.cursor() as cursor:
        for statement in recreate:
            print(f"{statement[:90]} ({time.perf_counter() - started:.0f} s)", flush=True)
            cursor.execute(statement)
        for model in (Customer, Order, OrderLine):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {table}))",  # noqa: S608
                [table],
            )
            cursor.execute(f"ANALYZE {table}")
    print(
        f"done in {time.perf_counter() - started:.0f} s: {Customer.objects.count()} customers, "
        f"{Order.objects.count()} orders, {OrderLine.objects.count()} lines"
    )


if __name__ == "__main__":
    main()
