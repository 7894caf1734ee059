"""Next-basket model timings: scoring one customer, and refreshing every customer's stored list
for 100,000 customers synthesised from the Online Retail history (in-process, no database).

Customers are scaled by cloning each real customer's baskets CLONES times (a clone's baskets are
shifted by a random 0-28 days, so clones differ in timing), which keeps the real basket sizes,
item popularity and re-order patterns. Timed: fitting the model (repeat statistics, personal
vectors, item neighbours) and `refresh.compute_lists` for every customer (24 items + reasons) —
everything `refresh_picks` does except reading order lines and writing rows.

    DJANGO_SETTINGS_MODULE=config.settings_test \\
        .venv/bin/python bench/recommendations/next_basket.py \\
        ../shared/datasets/online_retail/online_retail_2010_2011.csv.gz [CUSTOMERS]
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
django.setup()

import numpy as np  # noqa: E402

from rapport.recommendations import nextbasket, refresh, repeat  # noqa: E402
from rapport.recommendations.baskets import History, read_online_retail, to_history  # noqa: E402


def scaled(history: History, target: int, seed: int = 15) -> History:
    """`history` with each customer cloned until there are at least `target` customers."""
    rng = np.random.default_rng(seed)
    real = len(history.customers)
    clones = -(-target // real)
    n_b = history.basket_count
    sizes = np.diff(history.basket_start)
    customer, when, starts, items, quantities = [], [], [], [], []
    offset = 0
    for k in range(clones):
        shift = rng.integers(0, 29, size=real).astype(np.float64) if k else np.zeros(real)
        customer.append(history.basket_customer + k * real)
        when.append(history.basket_time + shift[history.basket_customer])
        starts.append(history.basket_start[:-1] + offset)
        items.append(history.line_item)
        quantities.append(history.line_quantity)
        offset += len(history.line_item)
    b_time = np.concatenate(when)
    order = np.argsort(b_time, kind="stable")
    b_start = np.concatenate(starts)[order]
    b_size = np.tile(sizes, clones)[order]
    flat_items = np.concatenate(items)
    flat_qty = np.concatenate(quantities)
    take = np.concatenate([np.arange(s, s + z) for s, z in zip(b_start, b_size, strict=True)])
    new_start = np.zeros(clones * n_b + 1, dtype=np.int64)
    np.cumsum(b_size, out=new_start[1:])
    return History(
        customers=[f"{k}:{c}" for k in range(clones) for c in history.customers],
        items=history.items,
        basket_customer=np.concatenate(customer)[order],
        basket_time=b_time[order],
        basket_start=new_start,
        line_item=flat_items[take],
        line_quantity=flat_qty[take],
    )


def main() -> None:
    path = Path(sys.argv[1])
    target = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    history = scaled(to_history(read_online_retail([path])), target)
    now = float(history.basket_time.max()) + 1
    print(
        f"{len(history.customers)} customers, {history.basket_count} baskets, "
        f"{len(history.line_item)} lines, {len(history.items)} items",
        file=sys.stderr,
    )
    # Wall clock and this process's CPU time (the shared box is often oversubscribed).
    start, cpu0 = time.perf_counter(), time.process_time()
    stats = repeat.repeat_stats(history, now=now)
    shape = (len(history.customers), len(history.items))
    repeats, cpu1 = time.perf_counter(), time.process_time()
    model = nextbasket.fit(history, now=now, due=stats.due_matrix(shape))
    fitted, cpu2 = time.perf_counter(), time.process_time()
    lists = refresh.compute_lists(model, stats)
    done, cpu3 = time.perf_counter(), time.process_time()

    rng = np.random.default_rng(1)
    sample = rng.choice(len(history.customers), size=2_000, replace=False)
    one = []
    for c in sample:
        t = time.perf_counter()
        nextbasket.top_k(model.scores(int(c)), 24)
        one.append(time.perf_counter() - t)
    lists_one = []
    for c in sample[:300]:
        t = time.perf_counter()
        refresh.compute_lists(model, stats, customers=[int(c)])
        lists_one.append(time.perf_counter() - t)
    print(
        json.dumps(
            {
                "customers": len(history.customers),
                "baskets": history.basket_count,
                "lines": len(history.line_item),
                "items": len(history.items),
                "repeat_stats_seconds": round(repeats - start, 2),
                "model_fit_seconds": round(fitted - repeats, 2),
                "lists_seconds": round(done - fitted, 2),
                "refresh_total_seconds": round(done - start, 2),
                "refresh_total_cpu_seconds": round(cpu3 - cpu0, 2),
                "cpu_seconds_by_step": [
                    round(cpu1 - cpu0, 2),
                    round(cpu2 - cpu1, 2),
                    round(cpu3 - cpu2, 2),
                ],
                "lists": len(lists),
                "score_one_ms_median": round(statistics.median(one) * 1000, 3),
                "score_one_ms_p99": round(float(np.percentile(one, 99)) * 1000, 3),
                "list_with_reasons_one_ms_median": round(statistics.median(lists_one) * 1000, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
