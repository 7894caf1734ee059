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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django

django.setup()

from bench.configurator.product import (  # noqa: E402
    GROUPS,
    OPTIONS,
    generated_product,
    percentile,
)
from rapport.configurator import solver  # noqa: E402
from rapport.configurator.spec import violated_rules  # noqa: E402


def timed(call, wall: list[float], cpu: list[float]):  # type: ignore[no-untyped-def]
    """Run `call`, record its wall-clock and CPU (process) time in ms, return its result."""
    start, start_cpu = time.perf_counter(), time.process_time()
    result = call()
    cpu.append((time.process_time() - start_cpu) * 1000)
    wall.append((time.perf_counter() - start) * 1000)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    spec = generated_product(rng)
    first_wall: list[float] = []
    first_cpu: list[float] = []
    # The first question builds the encoding once per process and product version, as the
    # first page view does.
    assert timed(lambda: solver.is_feasible(spec), first_wall, first_cpu), "no configuration"
    timed(lambda: solver.possible_literals(spec, {}), first_wall, first_cpu)

    possible_ms: list[float] = []
    possible_cpu: list[float] = []
    repair_ms: list[float] = []
    repair_cpu: list[float] = []
    while len(possible_ms) < args.runs:
        # A customer's path: pick a still-possible option in a random group, one after another.
        choice: dict[str, str] = {}
        for g in rng.sample(range(GROUPS), GROUPS):
            possible = timed(
                lambda c=choice: solver.possible_literals(spec, c), possible_ms, possible_cpu
            )
            # Sorted: the same path whatever order the solver answers in.
            offered = sorted(key for (gc, key), ok in possible.items() if gc == f"g{g}" and ok)
            choice[f"g{g}"] = rng.choice(offered)
            if len(possible_ms) >= args.runs:
                break
        # Conflicts: force an option the configurator disabled, then "fix it" (ten per path).
        possible = solver.possible_literals(spec, choice)
        for group in rng.sample([f"g{g}" for g in range(GROUPS)], 10):
            hidden = sorted(key for (gc, key), ok in possible.items() if gc == group and not ok)
            conflicting = dict(choice)
            if hidden:
                conflicting[group] = rng.choice(hidden)
            repaired = timed(
                lambda c=conflicting, k=group: solver.repair(spec, c, keep=k),
                repair_ms,
                repair_cpu,
            )
            assert repaired is not None
            assert not violated_rules(spec, {(g, str(v)) for g, v in repaired.items()})

    def line(name: str, values: list[float], cpu: list[float], goal: float) -> str:
        return (
            f"{name:<18} n={len(values):<4} wall p50={statistics.median(values):7.1f} ms"
            f"  p95={percentile(values, 95):7.1f} ms  max={max(values):7.1f} ms"
            f" | CPU p50={statistics.median(cpu):7.1f} ms  p95={percentile(cpu, 95):7.1f} ms"
            f"  (goal p95 <= {goal:g} ms)"
        )

    print(f"product: {GROUPS} groups x {OPTIONS} options, {len(spec.rules)} constraints")
    print(
        f"first calls (encode the product, then possible options with nothing picked):"
        f" wall {sum(first_wall):.1f} ms, CPU {sum(first_cpu):.1f} ms"
    )
    print(line("possible options", possible_ms, possible_cpu, 50))
    print(line("repair (fix it)", repair_ms, repair_cpu, 200))
    print("load average at the end: " + Path("/proc/loadavg").read_text().split(" ", 3)[0])


if __name__ == "__main__":
    main()
