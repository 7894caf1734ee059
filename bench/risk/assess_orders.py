"""Time the store's order scoring (what `assess_order` computes, without writing) on a big
database: customer history, basket, product and country rates, the model, the fraud facts.

    DATABASE_URL=postgres://…/rapport_reports RAPPORT_VAR_DIR=/tmp/shop-reports-bench DEBUG=1 \\
        .venv/bin/python bench/risk/assess_orders.py [--orders 300]

Needs a model file (`manage.py train_order_risk --orders …`) and the cancellation counts and
customer history rows (`manage.py count_order_cancellations`, the hourly task's work; its first
run is the backfill). A history row holds every order of the customer, the scored one and later
ones included (at checkout it is read before the new order is added): the same read by key.
Scores N recent sale orders one at a time, twice: the first pass fills the country cache, the
second is the steady state. Prints wall and this process's CPU per order, the wall and CPU p50
of each part, and the number of queries for one order.
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

import numpy as np  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from rapport.orders.models import Order, OrderKind  # noqa: E402
from rapport.risk.client import Client  # noqa: E402
from rapport.risk.features import vector  # noqa: E402
from rapport.risk.store import (  # noqa: E402
    basket_for,
    facts_for,
    history_for,
    load_model,
    rates_for,
)

PARTS = ("history", "basket", "rates", "model", "facts")


def score(order: Order, parts: dict[str, list[float]], cpu: dict[str, list[float]]) -> None:
    model = load_model()
    assert model is not None, "train a model first (manage.py train_order_risk)"
    marks = [(time.perf_counter(), time.process_time())]
    history = history_for(order)
    marks.append((time.perf_counter(), time.process_time()))
    basket = basket_for(order)
    marks.append((time.perf_counter(), time.process_time()))
    rates = rates_for(basket)
    marks.append((time.perf_counter(), time.process_time()))
    model.probability(vector(history, basket, rates))
    marks.append((time.perf_counter(), time.process_time()))
    facts_for(order, Client("203.0.113.1", "bench-device", ""), history)
    marks.append((time.perf_counter(), time.process_time()))
    for i, name in enumerate(PARTS):
        parts[name].append(1000 * (marks[i + 1][0] - marks[i][0]))
        cpu[name].append(1000 * (marks[i + 1][1] - marks[i][1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=300)
    n = parser.parse_args().orders
    orders = list(
        Order.objects.filter(kind=OrderKind.ORDER, customer__isnull=False)
        .select_related("customer", "customer__user")
        .order_by("-placed_at")[:n]
    )
    cache.clear()
    for label in ("first pass (product-rate cache cold)", "second pass (steady state)"):
        wall, cpu = [], []
        parts: dict[str, list[float]] = {name: [] for name in PARTS}
        cpu_parts: dict[str, list[float]] = {name: [] for name in PARTS}
        for order in orders:
            t, c = time.perf_counter(), time.process_time()
            score(order, parts, cpu_parts)
            wall.append(1000 * (time.perf_counter() - t))
            cpu.append(1000 * (time.process_time() - c))
        w, p = np.asarray(wall), np.asarray(cpu)
        print(
            f"{label}: {len(w)} orders; wall p50 {np.percentile(w, 50):.1f} ms "
            f"p95 {np.percentile(w, 95):.1f} ms; this process's CPU p50 "
            f"{np.percentile(p, 50):.1f} ms p95 {np.percentile(p, 95):.1f} ms; load "
            f"{os.getloadavg()[0]:.1f}"
        )
        print(
            "  wall p50 by part: "
            + ", ".join(f"{n} {np.percentile(v, 50):.2f} ms" for n, v in parts.items())
        )
        print(
            "  CPU p50 by part: "
            + ", ".join(f"{n} {np.percentile(v, 50):.2f} ms" for n, v in cpu_parts.items())
        )
    with CaptureQueriesContext(connection) as queries:
        score(orders[0], {name: [] for name in PARTS}, {name: [] for name in PARTS})
    print(f"queries for one order (steady state): {len(queries)}")


if __name__ == "__main__":
    main()
