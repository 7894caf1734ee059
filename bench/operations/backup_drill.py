"""Backup and restore drill of a database with 1,000,000 orders (issue 22).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_dev \
        .venv/bin/python bench/operations/backup_drill.py [--orders 1000000] [--keep]

DATABASE_URL names a migrated database used as the template (no one else may be connected to
it). The script copies it into a scratch database, fills that with ORDERS orders and two lines
each by SQL (generate_series, no ORM), then times `create_backup` (pg_dump in an exported
snapshot + per-table checksums + media + AES-GCM) and `drill_backup` (pg_restore into a second
scratch database + checksums of every table compared), and prints one JSON line. Both scratch
databases are dropped at the end (the filled one is kept with --keep).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import dj_database_url
import psycopg
from psycopg import sql

sys.path.insert(0, os.getcwd())

FILL = """
INSERT INTO orders_order (created_at, updated_at, public_id, number, kind, status, currency,
    total, placed_at, country, source, external_id, external_customer_ref, email,
    payment_method, shipping_address, shipping_method, shipping_total, subtotal)
SELECT now(), now(), md5('o' || g)::uuid, 'B' || lpad(g::text, 9, '0'), 'order',
    (ARRAY['placed', 'paid', 'shipped', 'delivered'])[1 + g % 4], 'GBP',
    ((g % 500) + 10.5)::numeric(14, 2), now() - (g % 700) * interval '1 day',
    'United Kingdom', 'bench', '', '', 'buyer' || (g % 50000) || '@example.com', 'cod',
    g || ' High Street, London', 'standard', 4.95, ((g % 500) + 5.55)::numeric(14, 2)
FROM generate_series(1, {orders}) AS g;
INSERT INTO orders_orderline (kind, sku, name, quantity, unit_price, line_total, freight,
    position, order_id, discount)
SELECT 'product', 'SKU-' || (o.id % 3000), 'Product ' || (o.id % 3000), 1 + p,
    2.50, (2.50 * (1 + p))::numeric(14, 2), 0, p, o.id, 0
FROM orders_order AS o CROSS JOIN generate_series(0, 1) AS p
WHERE o.source = 'bench';
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    base = dj_database_url.parse(os.environ["DATABASE_URL"])
    from rapport.operations import dumps

    params = dumps.pg_params(dict(base))
    scratch = f"{params['dbname'][:40]}_bench_ops"
    with psycopg.connect(**{**params}, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch))
        )
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(scratch), sql.Identifier(params["dbname"])
            )
        )
    started = time.monotonic()
    with psycopg.connect(**{**params, "dbname": scratch}) as conn:
        conn.execute(FILL.format(orders=int(args.orders)).encode())
        conn.commit()
    with psycopg.connect(**{**params, "dbname": scratch}, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]  # type: ignore[index]
    fill_seconds = time.monotonic() - started

    os.environ["DATABASE_URL"] = (
        f"postgres://{params.get('user', '')}@{params.get('host', '')}:"
        f"{params.get('port', 5432)}/{scratch}"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    work = tempfile.mkdtemp(prefix="rapport-bench-ops-")
    os.environ["RAPPORT_BACKUP_DIR"] = work
    from rapport.operations.crypto import new_key

    os.environ["RAPPORT_BACKUP_KEY"] = new_key()
    import django

    django.setup()
    from rapport.operations.backups import create_backup, drill_backup

    try:
        backup = create_backup(media_root=os.path.join(work, "no-media"))  # type: ignore[arg-type]
        drill = drill_backup(reference=str(backup.public_id))
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            with psycopg.connect(**params, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(scratch)
                    )
                )
    print(
        json.dumps(
            {
                "orders": backup.tables["orders_order"][0],
                "order_lines": backup.tables["orders_orderline"][0],
                "database_mb": round(size / 1e6),
                "fill_seconds": round(fill_seconds, 1),
                "backup_seconds": round(backup.duration_seconds, 1),
                "backup_file_mb": round(backup.size_bytes / 1e6, 1),
                "drill_seconds": round(drill.seconds, 1),
                "drill_ok": drill.ok,
                "tables": drill.tables,
                "rows": drill.rows,
                "mismatches": drill.mismatches,
            }
        )
    )


if __name__ == "__main__":
    main()
