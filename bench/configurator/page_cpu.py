"""CPU of the configurator page's htmx clicks in one process, without a server or network
(issue 21): the part of a click's latency that the code decides, apart from queueing.

    DATABASE_URL=... REDIS_URL=... DJANGO_SETTINGS_MODULE=bench.settings_bench \\
        .venv/bin/python bench/configurator/page_cpu.py [--paths 3] [--seed 1] [--profile tottime]

Stores the bench's 20 x 10 product (as `page_load.py` does), walks `--paths` customer paths
(one click per group, 20 per path), posts each click with `HX-Request: true` through Django's
test client, and prints the process CPU per click: first with the shared cache emptied
(misses: the solver, the explanations and the rendering), then the same clicks again (hits).
The first click before the timing builds the product's encoding (once per process and version).
`--profile` prints cProfile's top functions of the misses instead.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402

from bench.configurator.page_load import customer_choices, stored_product  # noqa: E402
from bench.configurator.product import generated_product, percentile  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paths", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", default="", help="cProfile sort key, e.g. tottime")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    spec = generated_product(rng)
    product = stored_product(spec)
    url = f"/configure/{product.public_id}/"
    bodies = [
        {f"g-{code}": key for code, key in choice.items()} | {"action": "check"}
        for choice in customer_choices(spec, args.paths, rng)
    ]
    client = Client(SERVER_NAME="127.0.0.1")
    headers = {"HX-Request": "true"}
    cache.clear()
    assert client.post(url, bodies[0], headers=headers).status_code == 200  # encodes the product
    cache.clear()

    def clicks() -> list[float]:
        spent = []
        for body in bodies:
            start = time.process_time()
            response = client.post(url, body, headers=headers)
            spent.append((time.process_time() - start) * 1000)
            assert response.status_code == 200
        return spent

    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(clicks)
        pstats.Stats(profile).sort_stats(args.profile).print_stats(30)
        return
    misses = clicks()
    hits = clicks()
    for name, spent in (("misses", misses), ("hits", hits)):
        print(
            f"{name:<7} n={len(spent):<4} CPU per click p50={statistics.median(spent):6.1f} ms"
            f"  p95={percentile(spent, 95):6.1f} ms  max={max(spent):6.1f} ms"
            f"  mean={statistics.mean(spent):6.1f} ms"
        )
    print("load average at the end: " + Path("/proc/loadavg").read_text().split(" ", 3)[0])


if __name__ == "__main__":
    main()
