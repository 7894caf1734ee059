"""Configurator solver times on a generated product: 20 option groups x 10 options (10^20
combinations) and 60 constraints. No database: the product is built as a `Spec` directly.

    .venv/bin/python bench/configurator/solver_times.py [--runs 200] [--seed 1]

Prints p50/p95/max of (1) recomputing the possible options after a choice, along a customer's
path that picks one group after another, and (2) the "fix it" repair of a conflicting choice.
Goals (issue 21): possible options <= 50 ms p95, repair <= 200 ms p95.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django

django.setup()

from rapport.configurator import solver  # noqa: E402
from rapport.configurator.spec import (  # noqa: E402
    AT_MOST,
    EXCLUDES,
    REQUIRES,
    SINGLE,
    TOTAL,
    GroupSpec,
    OptionSpec,
    RuleSpec,
    Spec,
    violated_rules,
)

GROUPS, OPTIONS, RULES = 20, 10, 60


def generated_product(rng: random.Random) -> Spec:
    groups = tuple(
        GroupSpec(
            code=f"g{g}",
            name=f"Group {g}",
            kind=SINGLE,
            options=tuple(
                OptionSpec(
                    code=f"o{o}",
                    name=f"Option {g}.{o}",
                    price=Decimal(rng.randint(0, 200)),
                    totals={"power": rng.randint(0, 30), "weight": rng.randint(0, 400)},
                )
                for o in range(OPTIONS)
            ),
        )
        for g in range(GROUPS)
    )

    def lit() -> tuple[str, str]:
        return (f"g{rng.randrange(GROUPS)}", f"o{rng.randrange(OPTIONS)}")

    rules: list[RuleSpec] = []
    while len(rules) < RULES:
        kind = rng.choice([REQUIRES, REQUIRES, EXCLUDES, EXCLUDES, EXCLUDES, AT_MOST])
        a = lit()
        if kind == REQUIRES:
            b = f"g{rng.randrange(GROUPS)}"
            then = tuple((b, f"o{o}") for o in rng.sample(range(OPTIONS), 3) if b != a[0])
            if then:
                rules.append(RuleSpec(kind=kind, when=(a,), then=then))
        elif kind == EXCLUDES:
            b = lit()
            if b[0] != a[0]:
                rules.append(RuleSpec(kind=kind, when=(a,), then=(b,)))
        else:
            rules.append(RuleSpec(kind=kind, when=(a,), then=tuple(lit() for _ in range(4)), k=2))
    rules[-2] = RuleSpec(kind=TOTAL, attribute="power", limit=GROUPS * 12)
    rules[-1] = RuleSpec(kind=TOTAL, attribute="weight", limit=GROUPS * 150)
    return Spec(groups=groups, rules=tuple(rules))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    spec = generated_product(rng)
    assert solver.is_feasible(spec), "generated product admits no configuration"
    start = time.perf_counter()
    solver.possible_literals(spec, {})  # builds the model once, as the first page view does
    first = (time.perf_counter() - start) * 1000

    possible_ms: list[float] = []
    repair_ms: list[float] = []
    while len(possible_ms) < args.runs:
        # A customer's path: pick a still-possible option in a random group, one after another.
        choice: dict[str, str] = {}
        for g in rng.sample(range(GROUPS), GROUPS):
            start = time.perf_counter()
            possible = solver.possible_literals(spec, choice)
            possible_ms.append((time.perf_counter() - start) * 1000)
            offered = [key for (gc, key), ok in possible.items() if gc == f"g{g}" and ok]
            choice[f"g{g}"] = rng.choice(offered)
            if len(possible_ms) >= args.runs:
                break
        # Conflicts: force an option the configurator disabled, then "fix it" (ten per path).
        possible = solver.possible_literals(spec, choice)
        for group in rng.sample([f"g{g}" for g in range(GROUPS)], 10):
            hidden = [key for (gc, key), ok in possible.items() if gc == group and not ok]
            conflicting = dict(choice)
            if hidden:
                conflicting[group] = rng.choice(hidden)
            start = time.perf_counter()
            repaired = solver.repair(spec, conflicting, keep=group)
            repair_ms.append((time.perf_counter() - start) * 1000)
            assert repaired is not None
            assert not violated_rules(spec, {(g, str(v)) for g, v in repaired.items()})

    def line(name: str, values: list[float], goal: float) -> str:
        return (
            f"{name:<18} n={len(values):<4} p50={statistics.median(values):7.1f} ms"
            f"  p95={percentile(values, 95):7.1f} ms  max={max(values):7.1f} ms"
            f"  (goal p95 <= {goal:g} ms)"
        )

    print(f"product: {GROUPS} groups x {OPTIONS} options, {len(spec.rules)} constraints")
    print(f"first call (builds the CP-SAT model): {first:.1f} ms")
    print(line("possible options", possible_ms, 50))
    print(line("repair (fix it)", repair_ms, 200))


if __name__ == "__main__":
    main()
