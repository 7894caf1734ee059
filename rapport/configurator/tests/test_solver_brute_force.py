"""The solver against brute-force enumeration on small random products (no database).

Every option the configurator offers is in some valid complete configuration with the
customer's other picks; every option it hides is in none; "fix it" lands on a valid
configuration with the fewest changed picks.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.configurator import solver
from rapport.configurator.spec import (
    AT_LEAST,
    AT_MOST,
    EXCLUDES,
    MULTIPLE,
    NUMERIC,
    RANGE,
    REQUIRES,
    SINGLE,
    TOTAL,
    GroupSpec,
    Lit,
    OptionSpec,
    RuleSpec,
    Spec,
    picks,
    shape_ok,
    violated_rules,
)


@st.composite
def products(draw: st.DrawFn) -> Spec:
    groups = []
    for g in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from([SINGLE, SINGLE, MULTIPLE, NUMERIC]))
        code = f"g{g}"
        if kind == NUMERIC:
            low = draw(st.integers(0, 4))
            values = tuple(range(low, low + draw(st.integers(1, 3)) * 2, 2))
            groups.append(
                GroupSpec(
                    code=code,
                    name=code,
                    kind=kind,
                    values=values,
                    totals_per_unit={"w": draw(st.integers(0, 2))},
                )
            )
            continue
        n = draw(st.integers(1, 3))
        options = tuple(
            OptionSpec(
                code=f"o{i}",
                name=f"{code}o{i}",
                price=Decimal(draw(st.integers(0, 50))),
                totals={"w": draw(st.integers(0, 5))},
            )
            for i in range(n)
        )
        groups.append(
            GroupSpec(
                code=code, name=code, kind=kind, required=draw(st.booleans()), options=options
            )
        )
    spec0 = Spec(groups=tuple(groups))
    lits = spec0.all_lits
    option_lits = [lit for lit in lits if spec0.by_code[lit[0]].kind != NUMERIC]
    numeric = [g.code for g in groups if g.kind == NUMERIC]
    rules = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from([REQUIRES, EXCLUDES, AT_MOST, AT_LEAST, RANGE, TOTAL]))
        some = st.lists(st.sampled_from(lits), min_size=1, max_size=2, unique=True)
        maybe = st.lists(st.sampled_from(option_lits or lits), max_size=1, unique=True)
        if kind in (REQUIRES, EXCLUDES):
            rules.append(RuleSpec(kind=kind, when=tuple(draw(some)), then=tuple(draw(some))))
        elif kind in (AT_MOST, AT_LEAST):
            rules.append(
                RuleSpec(
                    kind=kind,
                    when=tuple(draw(maybe)),
                    then=tuple(draw(some)),
                    group=draw(st.sampled_from([g.code for g in groups] + [""])),
                    k=draw(st.integers(0, 2)),
                )
            )
        elif kind == RANGE and numeric:
            rules.append(
                RuleSpec(
                    kind=kind,
                    when=tuple(draw(maybe)),
                    group=draw(st.sampled_from(numeric)),
                    low=draw(st.integers(0, 4)),
                    high=draw(st.integers(3, 9)),
                )
            )
        elif kind == TOTAL:
            rules.append(
                RuleSpec(
                    kind=kind,
                    when=tuple(draw(maybe)),
                    attribute="w",
                    limit=draw(st.integers(0, 12)),
                )
            )
    return Spec(groups=tuple(groups), rules=tuple(rules))


def all_valid(spec: Spec) -> list[set[Lit]]:
    """Every valid complete assignment, by enumerating every subset of literals per group."""
    per_group = []
    for group in spec.groups:
        lits = group.lits()
        if group.kind == MULTIPLE:
            choices = [
                set(c) for r in range(len(lits) + 1) for c in itertools.combinations(lits, r)
            ]
        else:
            choices = [{lit} for lit in lits] + [set()]
        per_group.append(choices)
    valid = []
    for combo in itertools.product(*per_group):
        chosen = set().union(*combo)
        if shape_ok(spec, chosen) and not violated_rules(spec, chosen):
            valid.append(chosen)
    return valid


@st.composite
def product_and_choice(draw: st.DrawFn) -> tuple[Spec, dict]:
    spec = draw(products())
    choice: dict = {}
    for group in spec.groups:
        if not draw(st.booleans()):
            continue
        lits = group.lits()
        if group.kind == MULTIPLE:
            keys = draw(st.lists(st.sampled_from([k for _g, k in lits]), max_size=2, unique=True))
            if keys:
                choice[group.code] = sorted(keys)
        elif group.kind == NUMERIC:
            choice[group.code] = int(draw(st.sampled_from(lits))[1])
        else:
            choice[group.code] = draw(st.sampled_from(lits))[1]
    return spec, choice


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(product_and_choice())
def test_offered_options_are_exactly_those_in_some_valid_configuration(case) -> None:
    spec, choice = case
    valid = all_valid(spec)
    chosen = picks(spec, choice)
    possible = solver.possible_literals(spec, choice)
    assert set(possible) == set(spec.all_lits)
    for lit, offered in possible.items():
        group = spec.by_code[lit[0]]
        if group.kind in (SINGLE, NUMERIC) and group.code in choice:
            fixed = {c for c in chosen if c[0] != group.code}
        else:
            fixed = chosen
        truth = any(lit in a and fixed <= a for a in valid)
        assert offered == truth, (lit, choice, spec.rules)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(product_and_choice())
def test_repair_finds_the_nearest_valid_configuration(case) -> None:
    spec, choice = case
    valid = all_valid(spec)
    repaired = solver.repair(spec, choice)
    if not valid:
        assert repaired is None
        assert not solver.is_feasible(spec)
        return
    assert repaired is not None
    assert solver.is_feasible(spec)
    fixed = picks(spec, repaired)
    assert fixed in valid
    assert solver.valid_complete(spec, repaired)

    def changes(a: set[Lit]) -> int:
        chosen = picks(spec, choice)
        lost = len(chosen - a)
        multi = {g.code for g in spec.groups if g.kind == MULTIPLE and g.code in choice}
        added = len({lit for lit in a - chosen if lit[0] in multi})
        return lost + added

    assert changes(fixed) == min(changes(a) for a in valid)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(products())
def test_complete_check_agrees_with_the_rules(spec) -> None:
    valid = all_valid(spec)
    from rapport.configurator.spec import choice_from_lits

    for a in valid[:20]:
        assert solver.valid_complete(spec, choice_from_lits(spec, a))
    assert solver.is_feasible(spec) == bool(valid)
