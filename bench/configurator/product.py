"""The benchmark's generated configurable product: 20 option groups x 10 options (10^20
combinations) and 60 constraints (requires, excludes, at-most-2-of-4, a power and a weight
budget), as plain data. Deterministic for a given random generator seed."""

from __future__ import annotations

import random
from decimal import Decimal

from rapport.configurator.spec import (
    AT_MOST,
    EXCLUDES,
    REQUIRES,
    SINGLE,
    TOTAL,
    GroupSpec,
    OptionSpec,
    RuleSpec,
    Spec,
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
    """The nearest-rank percentile `p` (0-100) of `values`, as the configurator benches report."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
