"""The configurator page under load (issue 21): stores the bench's 20 x 10 product (60 rules) in
the database, then writes a wrk Lua script whose requests are htmx clicks on its configurator
(POST with `HX-Request: true`, CSRF cookie and token, one customer path's choices after another).

    DATABASE_URL=... DJANGO_SETTINGS_MODULE=bench.settings_bench \\
        .venv/bin/python bench/configurator/page_load.py --base http://127.0.0.1:8170 \\
        --out /tmp/configurator.lua [--paths 10] [--seed 1]
    wrk -t2 -c4 -d30s --latency -s /tmp/configurator.lua http://127.0.0.1:8170

Every request is a different choice along the paths (the shared cache misses until the list
repeats: flush the cache first to measure misses); `--repeat-one` sends one choice only (hits).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import urllib.request
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")

import django

django.setup()

from django.db import transaction  # noqa: E402

from bench.configurator.product import GROUPS, generated_product  # noqa: E402
from rapport.catalog.models import Category, Product  # noqa: E402
from rapport.configurator import solver  # noqa: E402
from rapport.configurator.models import (  # noqa: E402
    ConfigurableProduct,
    Freedom,
    Option,
    OptionGroup,
    Rule,
)
from rapport.configurator.queries import load_spec  # noqa: E402
from rapport.inventory.models import StockRecord  # noqa: E402

SKU = "BENCH-CONFIGURATOR-20X10"


@transaction.atomic
def customer_choices(spec, paths: int, rng: random.Random) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """Customer paths (as in solver_times.py): pick a still-possible option, group after group;
    every choice along each path, in order."""
    choices: list[dict[str, str]] = []
    for _ in range(paths):
        choice: dict[str, str] = {}
        for g in rng.sample(range(GROUPS), GROUPS):
            possible = solver.possible_literals(spec, choice)
            # Sorted: the same paths whatever order the solver answers in.
            offered = sorted(k for (gc, k), ok in possible.items() if gc == f"g{g}" and ok)
            choice[f"g{g}"] = rng.choice(offered)
            choices.append(dict(choice))
    return choices


def stored_product(spec) -> Product:  # type: ignore[no-untyped-def]
    found = Product.objects.filter(sku=SKU).first()
    if found is not None:
        return found
    category, _ = Category.objects.get_or_create(
        slug="bench-configurator", defaults={"name": "Bench"}
    )
    product = Product.objects.create(
        sku=SKU,
        name="Bench configurable product (20 x 10, 60 rules)",
        slug="bench-configurable-20x10",
        category=category,
        price=Decimal("500.00"),
        built_to_order=True,
    )
    StockRecord.objects.update_or_create(product=product, defaults={"quantity": 1000})
    conf = ConfigurableProduct.objects.create(product=product, freedom=Freedom.FULL)
    options: dict[tuple[str, str], Option] = {}
    for position, group in enumerate(spec.groups):
        row = OptionGroup.objects.create(
            configurable=conf, code=group.code, name=group.name, kind=group.kind, position=position
        )
        for i, o in enumerate(group.options):
            options[(group.code, o.code)] = Option.objects.create(
                group=row,
                code=o.code,
                name=o.name,
                price_delta=o.price,
                position=i,
                totals=dict(o.totals),
            )
    for rule in spec.rules:
        row = Rule.objects.create(
            configurable=conf,
            kind=rule.kind,
            k=rule.k or None,
            attribute=rule.attribute,
            limit=rule.limit if rule.attribute else None,
        )
        row.when.set([options[lit] for lit in rule.when])
        row.then.set([options[lit] for lit in rule.then])
    return product


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8170")
    parser.add_argument("--out", required=True, help="where to write the wrk Lua script")
    parser.add_argument("--paths", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat-one", action="store_true")
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="encode the stored product into the shared cache, as publishing it does, and stop",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    spec = generated_product(rng)
    product = stored_product(spec)
    if args.prepare_only:
        configurable = ConfigurableProduct.objects.select_related("product").get(product=product)
        solver.prepare(load_spec(configurable))
        print(f"prepared {SKU} (version {configurable.version}) in the shared cache")
        return
    url = f"/configure/{product.public_id}/"
    bodies = [
        "&".join(f"g-{code}={key}" for code, key in choice.items())
        for choice in customer_choices(spec, args.paths, rng)
    ]
    if args.repeat_one:
        bodies = bodies[len(bodies) // 2 : len(bodies) // 2 + 1]
    if not args.base.startswith(("http://", "https://")):
        parser.error("--base must be an http(s) URL")
    with urllib.request.urlopen(args.base + url) as response:  # noqa: S310 (http(s) only)
        cookie = response.headers.get("Set-Cookie", "")
    token = re.search(r"csrftoken=([^;]+)", cookie)
    assert token, "no CSRF cookie: " + cookie
    csrf = token.group(1)
    lua = f"""
local bodies = {json.dumps([b + "&action=check&csrfmiddlewaretoken=" + csrf for b in bodies])}
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "{url}", {{
    ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken={csrf}",
    ["Referer"] = "{args.base}{url}",
  }}, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format(
    "p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms  (%d requests, %d errors)\\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
"""
    lua = lua.replace("local bodies = [", "local bodies = {").replace('"]\nlocal i', '"}\nlocal i')
    Path(args.out).write_text(lua)
    print(f"{args.base}{url}: {len(bodies)} distinct htmx requests in {args.out}")


if __name__ == "__main__":
    main()
