"""Traffic and order-risk rows for the million-order reports benchmark (benchmark fixture only).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_1m DEBUG=1 \\
        .venv/bin/python bench/analytics/fill_traffic_risk.py

Run after `bench/segments/scale_up.py` and `import_clickstream`. Idempotent: each part is
skipped when its rows are there already.

* **Visits**: the 24,026 real sessions of the demo clickstream (April-August 2008) are cloned
  `--visit-clones` times (42 by default, the factor the orders were scaled by) into the orders'
  period (December 2010 - December 2011) as this site's visits: clone k is shifted by
  974 + 133 x (k mod 3) + 7 x (k div 3 mod 4) days, keeps the session's pages, entry page and
  time per page, and gets a device, a referrer host and the funnel steps (cart, checkout, order)
  from a hash of its id, so every table of the traffic view has something to group. Page views
  are not cloned (the traffic view reads visits and its daily rollups, rebuilt at the end).
* **Risk assessments**: one per sale order, as `place_order` writes at placement: a score from a
  hash of the order id (2 % at or above the default threshold 60: held; of those, some already
  approved or cancelled), every feature of `rapport.risk.features.FEATURES` with a value, and one
  fraud signal on the held ones. Written by one `INSERT … SELECT`.
* **Customer values** (the heavy-customer report's second table): one per RFM-scored customer,
  predicted spend = net spend x (0.5 … 1.5, from a hash), ranked; the value model itself is not
  run (`customervalue` has its own benchmark).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from rapport.risk.features import FEATURES  # noqa: E402
from rapport.risk.models import RiskAssessment  # noqa: E402
from rapport.traffic.models import TrafficSource, Visit  # noqa: E402
from rapport.traffic.rollups import rebuild_visit_days  # noqa: E402

VISIT_COLUMNS = [
    f.column
    for f in Visit._meta.concrete_fields
    if f.column not in ("id", "source", "started_at", "last_seen_at", "device", "referrer",
                        "cart_adds", "checkouts", "orders", "key")
]  # fmt: skip


def fill_visits(clones: int) -> None:
    if Visit.objects.filter(source=TrafficSource.SITE).exists():
        print("visits: this site's visits exist already, skipped")
        return
    base = Visit.objects.filter(source=TrafficSource.CLICKSTREAM).count()
    if not base:
        raise SystemExit("Load the demo clickstream first: manage.py import_clickstream")
    cols = ", ".join(f'"{c}"' for c in VISIT_COLUMNS)
    select = ", ".join(f'v."{c}"' for c in VISIT_COLUMNS)
    shift = "(974 + 133 * MOD(k, 3) + 7 * MOD(k / 3, 4)) * INTERVAL '1 day'"
    h = "ABS(HASHTEXT(v.id::text || '~' || k))"
    sql = (
        f"INSERT INTO traffic_visit (key, source, started_at, last_seen_at, device, referrer, "  # noqa: S608 - constant text
        f"cart_adds, checkouts, orders, {cols}) "
        f"SELECT md5(v.key || '~' || k), %s, v.started_at + {shift}, v.last_seen_at + {shift}, "
        f"(ARRAY['desktop', 'mobile', 'mobile', 'tablet'])[1 + MOD({h}, 4)], "
        f"(ARRAY['', '', 'www.google.com', 'www.bing.com', 'duckduckgo.com', 'www.facebook.com',"
        f" 'newsletter.example'])[1 + MOD({h} / 4, 7)], "
        f"CASE WHEN MOD({h} / 28, 100) < 12 THEN 1 ELSE 0 END, "
        f"CASE WHEN MOD({h} / 28, 100) < 6 THEN 1 ELSE 0 END, "
        f"CASE WHEN MOD({h} / 28, 100) < 3 THEN 1 ELSE 0 END, {select} "
        f"FROM traffic_visit v, (SELECT %s::int AS k) kk WHERE v.source = %s"
    )
    started = time.perf_counter()
    for k in range(clones):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [TrafficSource.SITE, k, TrafficSource.CLICKSTREAM])
        if k % 10 == 9 or k == clones - 1:
            print(f"visits: clone {k + 1}/{clones} ({time.perf_counter() - started:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE traffic_visit")
    started = time.perf_counter()
    days = rebuild_visit_days()
    print(f"visits: daily rollups of {days} days ({time.perf_counter() - started:.0f} s)")


def fill_risk() -> None:
    if RiskAssessment.objects.exists():
        print("risk: assessments exist already, skipped")
        return
    h = "ABS(HASHTEXT('risk' || o.id))"
    values = {
        "prior_orders": f"MOD({h}, 40)",
        "prior_cancellations": f"CASE WHEN MOD({h}, 7) = 0 THEN MOD({h} / 7, 4) ELSE 0 END",
        "cancel_share": f"MOD({h} / 11, 30) / 100.0",
        "value_vs_history": f"MOD({h} / 13, 60) / 10.0",
        "max_quantity": f"MOD({h} / 17, 200)",
        "orders_same_day": f"MOD({h} / 19, 5)",
        "hour": "EXTRACT(HOUR FROM o.placed_at)",
        "weekday": "EXTRACT(ISODOW FROM o.placed_at) - 1",
    }
    features = ", ".join(f"'{name}', {values.get(name, '0.0')}" for name in FEATURES)
    score = f"CASE WHEN MOD({h} / 23, 100) < 2 THEN 60 + MOD({h}, 41) ELSE MOD({h}, 60) END"
    status = (
        f"CASE WHEN MOD({h} / 23, 100) >= 2 THEN 'clear' "
        f"WHEN MOD({h} / 29, 10) = 0 THEN 'approved' "
        f"WHEN MOD({h} / 29, 10) = 1 THEN 'cancelled' ELSE 'held' END"
    )
    signal = (
        f"CASE WHEN MOD({h} / 23, 100) < 2 THEN jsonb_build_array(jsonb_build_object("
        "'code', 'express_first_order', 'weight', 40, 'value', 1, 'parameter', 0)) "
        "ELSE '[]'::jsonb END"
    )
    sql = (
        "INSERT INTO risk_riskassessment (created_at, updated_at, order_id, stick_probability, "  # noqa: S608 - constant text
        "features, fraud_score, fraud_signals, score, threshold, status, model_version, "
        "decided_at, decision_note) "
        f"SELECT o.placed_at, o.placed_at, o.id, MOD({h}, 1000) / 1000.0, "
        f"jsonb_build_object({features}), "
        f"CASE WHEN MOD({h} / 23, 100) < 2 THEN 40 ELSE 0 END, {signal}, {score}, 60, "
        f"{status}, 'bench', "
        f"CASE WHEN MOD({h} / 23, 100) < 2 AND MOD({h} / 29, 10) < 2 "
        "THEN o.placed_at + INTERVAL '2 hours' END, '' "
        "FROM orders_order o WHERE o.kind = 'order'"
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
        n = cursor.rowcount
        cursor.execute("ANALYZE risk_riskassessment")
    print(f"risk: {n} assessments ({time.perf_counter() - started:.0f} s)")


def fill_values() -> None:
    from rapport.customervalue.models import CustomerValue

    if CustomerValue.objects.exists():
        print("values: customer values exist already, skipped")
        return
    predicted = "ROUND(r.monetary * (50 + MOD(ABS(HASHTEXT('v' || r.customer_id)), 101)) / 100, 2)"
    sql = (
        "INSERT INTO customervalue_customervalue (created_at, updated_at, customer_id, "  # noqa: S608 - constant text
        "predicted_12m, spend_last_12m, value_rank, computed_at, proposed_tier, "
        "proposal_reasons, tier, tier_reason) "
        f"SELECT now(), now(), r.customer_id, GREATEST({predicted}, 0), GREATEST(r.monetary, 0), "
        f"ROW_NUMBER() OVER (ORDER BY {predicted} DESC), now(), '', '[]'::jsonb, '', '' "
        "FROM segments_rfmscore r"
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
        n = cursor.rowcount
        cursor.execute("ANALYZE customervalue_customervalue")
    print(f"values: {n} customer values ({time.perf_counter() - started:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visit-clones", type=int, default=42)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only (set DATABASE_URL).")
    fill_visits(args.visit_clones)
    fill_risk()
    fill_values()


if __name__ == "__main__":
    main()
