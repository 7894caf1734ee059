"""Training time and the time of one promise (single-order path, no pandas, no scikit-learn).

    .venv/bin/python bench/delivery/promise_speed.py ../shared/datasets/olist [2018-03-01]

Trains on the orders delivered before the date (as `evaluate_delivery_model` does), printing
the CPU seconds of training, then times `Promiser.checkout_range` and `handover_promise` on
2,000 test orders (median and 99th percentile, microseconds), and the JSON round trip.
"""

from __future__ import annotations

import datetime
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rapport.delivery.model import Promiser, train
from rapport.delivery.olist_tables import read_geo, read_orders


def describe(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[int(0.99 * len(ordered))]
    return f"median {statistics.median(ordered):.0f} µs, p99 {p99:.0f} µs"


def main() -> None:
    directory = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets/olist")
    cut = datetime.datetime.fromisoformat(sys.argv[2] if len(sys.argv) > 2 else "2018-03-01")
    started = time.process_time()
    geo, orders = read_geo(directory), read_orders(directory)
    read_cpu = time.process_time() - started
    started = time.process_time()
    promiser = train(orders, geo=geo, known_at=cut, source="olist")
    train_cpu = time.process_time() - started
    blob = json.dumps(promiser.to_dict(), separators=(",", ":"))
    started = time.perf_counter()
    promiser = Promiser.from_dict(json.loads(blob))
    load_ms = (time.perf_counter() - started) * 1000
    test = [o for o in orders if o.purchased_at >= cut and o.handed_over_at][:2000]
    checkout, handover = [], []
    for order in test:
        t0 = time.perf_counter()
        promiser.checkout_range(order)
        t1 = time.perf_counter()
        promiser.handover_promise(order)
        t2 = time.perf_counter()
        checkout.append((t1 - t0) * 1e6)
        handover.append((t2 - t1) * 1e6)
    print(f"read tables: {read_cpu:.1f} s CPU; train: {train_cpu:.1f} s CPU")
    print(f"model JSON {len(blob) / 1e6:.2f} MB, load {load_ms:.0f} ms")
    print(f"checkout promise: {describe(checkout)}; hand-over: {describe(handover)}")


if __name__ == "__main__":
    main()
