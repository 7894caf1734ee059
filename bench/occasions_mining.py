"""Mine yearly occasions for N synthetic customers (default 100,000) and print the seconds.

    .venv/bin/python bench/occasions_mining.py [--customers 100000] [--years 2]

Customers: a third buy once a year in a fixed week (gift buyers), a third every few weeks, a
third a few random days a year; four years of history at most. Goal: ≤ 60 s for 100,000.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from rapport.campaigns.occasions import mining


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=2)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    start = datetime.date(2020, 1, 1).toordinal()
    span = 364 * args.years
    as_of = start + span
    purchases: dict[str, list[int]] = {}
    for c in range(args.customers):
        kind = c % 3
        if kind == 0:
            week = int(rng.integers(0, 358))
            days = [start + week + 364 * y + int(rng.integers(0, 7)) for y in range(args.years)]
        elif kind == 1:
            gap = int(rng.integers(14, 60))
            days = list(range(start + int(rng.integers(0, gap)), as_of, gap))
        else:
            days = sorted(int(d) for d in start + rng.integers(0, span, size=4 * args.years))
        purchases[f"c{c}"] = days
    began = time.perf_counter()
    found = mining.mine(purchases, as_of=as_of, data_start=start)
    seconds = time.perf_counter() - began
    moments = sum(len(v) for v in found.values())
    print(
        f"mined {args.customers} customers ({args.years} years) in {seconds:.1f} s: "
        f"{len(found)} with occasions, {moments} occasions"
    )


if __name__ == "__main__":
    main()
