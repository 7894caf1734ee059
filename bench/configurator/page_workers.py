"""CPU of the configurator page's htmx clicks when several worker processes share the clicks
(issue 21, fifth pass): the 800-click list of `page_load.py --paths 40`, all misses, each click
sent to one of `--workers` simulated processes at random, in one process, without a server.

    DATABASE_URL=... REDIS_URL=... DJANGO_SETTINGS_MODULE=bench.settings_bench \\
        .venv/bin/python bench/configurator/page_workers.py [--workers 2] [--paths 40]

A simulated worker is its own set of per-thread solver encodings (`solver._local.cache`: the
clauses, the kept witnesses and refutations, the learnt clauses), as a gunicorn worker has; the
shared cache (Redis) is common, as in production. Each worker's first click is timed too: with
`solver.prepare` (run after the cache is emptied, as publishing does) it loads the clauses from
the shared cache instead of encoding the product. Prints the CPU per click (process time).
"""

from __future__ import annotations

import argparse
import os
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
from rapport.configurator import solver  # noqa: E402
from rapport.configurator.models import ConfigurableProduct  # noqa: E402
from rapport.configurator.queries import load_spec  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--paths", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
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
    assert client.get(url).status_code == 200  # templates, URL resolver: a warmed-up worker's
    cache.clear()
    solver._local.cache = None
    configurable = ConfigurableProduct.objects.select_related("product").get(product=product)
    solver.prepare(load_spec(configurable))  # what publishing the product does
    workers: list[object] = [None] * args.workers
    which = random.Random(args.seed + 1)
    spent: list[float] = []
    first: list[float] = []
    for body in bodies:
        worker = which.randrange(args.workers)
        solver._local.cache = workers[worker]
        start = time.process_time()
        response = client.post(url, body, headers={"HX-Request": "true"})
        ms = (time.process_time() - start) * 1000
        if workers[worker] is None:
            first.append(ms)
        workers[worker] = solver._local.cache
        spent.append(ms)
        assert response.status_code == 200
    solver._local.cache = None
    print(
        f"misses n={len(spent)} workers={args.workers} CPU per click"
        f" p50={statistics.median(spent):.1f} p90={percentile(spent, 90):.1f}"
        f" p95={percentile(spent, 95):.1f} p99={percentile(spent, 99):.1f}"
        f" max={max(spent):.1f} mean={statistics.mean(spent):.1f} ms;"
        f" each worker's first click {', '.join(f'{ms:.0f}' for ms in first)} ms"
    )
    print("load average at the end: " + Path("/proc/loadavg").read_text().split(" ", 3)[0])


if __name__ == "__main__":
    main()
