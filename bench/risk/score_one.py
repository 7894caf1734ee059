"""Time scoring one order with the order-risk model (build the feature vector + predict).

    DEBUG=1 .venv/bin/python bench/risk/score_one.py \
        ../shared/datasets/online_retail/online_retail_2010_2011.csv.gz

Learns before 2011-09-01 as `evaluate_order_risk` does, then scores the first 2,000 invoices after
the cutoff one at a time (as checkout does) and prints p50/p95/p99/max in milliseconds.
"""

import os
import sys
import time
from datetime import datetime

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

import numpy as np  # noqa: E402

from rapport.risk.features import vector  # noqa: E402
from rapport.risk.model import fit  # noqa: E402
from rapport.risk.retail import examples, read_invoices  # noqa: E402

CUTOFF = datetime(2011, 9, 1)


def main(path: str) -> None:
    invoices = read_invoices([path])
    rows = examples(invoices)
    train = [e for e in rows if e.invoice.placed_at < CUTOFF]
    model = fit(
        np.asarray([e.features for e in train]),
        np.asarray([e.invoice.label(known_before=CUTOFF) for e in train]),
        trained_on="bench",
    )
    # Rebuild the state each scored order sees, then time vector() + probability() alone.
    from rapport.risk import retail

    timings: list[float] = []
    cpu_times: list[float] = []
    histories: dict = {}
    rates = retail.Rates()
    counted: set[str] = set()
    for invoice in invoices:
        if not invoice.is_cancellation and invoice.placed_at >= CUTOFF and len(timings) < 2000:
            history = histories.setdefault(invoice.customer, retail.CustomerHistory())
            basket = retail.Basket(invoice.placed_at, invoice.country, invoice.lines)
            started, cpu = time.perf_counter(), time.process_time()
            model.probability(vector(history, basket, rates))
            timings.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - cpu) * 1000)
        retail._remember(
            histories.setdefault(invoice.customer, retail.CustomerHistory()),
            rates,
            invoice,
            counted,
        )
    for label, values in (("wall-clock", timings), ("CPU", cpu_times)):
        t = np.asarray(values)
        print(
            f"{label}: scored {len(t)} orders one at a time: p50 {np.percentile(t, 50):.2f} ms, "
            f"p95 {np.percentile(t, 95):.2f} ms, p99 {np.percentile(t, 99):.2f} ms, "
            f"max {t.max():.2f} ms"
        )


if __name__ == "__main__":
    main(sys.argv[1])
