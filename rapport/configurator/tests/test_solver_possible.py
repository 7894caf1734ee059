""" "Possible options" across many questions on one product, both totals encodings, and the
shared cache of answers (issue 21, speed pass).

The brute-force tests ask one question per fresh product; here one encoding answers a customer's
sequence of questions, so the valid configurations kept from earlier questions, the solver's
learnt clauses and the propagation pass all carry over, and every answer must still be exact.
"""

from __future__ import annotations

import dataclasses
import uuid
from unittest import mock

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.configurator import solver
from rapport.configurator.demo import create_demo_laptop
from rapport.configurator.queries import load_spec
from rapport.configurator.spec import (
    NUMERIC,
    SINGLE,
    TOTAL,
    GroupSpec,
    OptionSpec,
    RuleSpec,
    Spec,
    picks,
)
from rapport.configurator.tests.test_solver_brute_force import all_valid, products


def brute_force_possible(spec: Spec, choice: dict, valid: list) -> dict:
    chosen = picks(spec, choice)
    truth = {}
    for lit in spec.all_lits:
        group = spec.by_code[lit[0]]
        if group.kind in (SINGLE, NUMERIC) and group.code in choice:
            fixed = {c for c in chosen if c[0] != group.code}
        else:
            fixed = chosen
        truth[lit] = any(lit in a and fixed <= a for a in valid)
    return truth


@st.composite
def product_and_questions(draw: st.DrawFn) -> tuple[Spec, list[dict]]:
    spec = draw(products())
    questions = [draw(product_and_choice_for(spec)) for _ in range(draw(st.integers(2, 6)))]
    return spec, questions


@st.composite
def product_and_choice_for(draw: st.DrawFn, spec: Spec) -> dict:
    choice: dict = {}
    for group in spec.groups:
        if not draw(st.booleans()):
            continue
        lits = group.lits()
        if group.kind == SINGLE:
            choice[group.code] = draw(st.sampled_from(lits))[1]
        elif group.kind == NUMERIC:
            choice[group.code] = int(draw(st.sampled_from(lits))[1])
        else:
            keys = draw(st.lists(st.sampled_from([k for _g, k in lits]), max_size=2, unique=True))
            if keys:
                choice[group.code] = sorted(keys)
    return choice


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(product_and_questions(), st.sampled_from([0, solver.DECISION_DIAGRAM_MAX_NODES]))
def test_a_sequence_of_questions_on_one_encoding_stays_exact(case, dd_nodes) -> None:
    spec, questions = case
    before = solver.DECISION_DIAGRAM_MAX_NODES
    solver.DECISION_DIAGRAM_MAX_NODES = dd_nodes  # 0: every total by the watchdog encoding
    try:
        valid = all_valid(spec)
        for choice in questions:
            assert solver.possible_literals(spec, choice) == brute_force_possible(
                spec, choice, valid
            ), (choice, spec.rules)
    finally:
        solver.DECISION_DIAGRAM_MAX_NODES = before


def test_the_arc_consistent_encoding_is_used_only_while_it_stays_small() -> None:
    spec = Spec(
        groups=tuple(
            solver_group(f"g{g}", [(f"o{o}", (g * 7 + o * 13) % 40) for o in range(10)])
            for g in range(20)
        ),
        rules=(
            RuleSpec(kind=TOTAL, attribute="w", limit=240),
            RuleSpec(kind=TOTAL, attribute="w", limit=30_000),
        ),
    )
    cnf = solver._Cnf(spec)
    small, large = spec.rules
    assert cnf._total_encoder(small) == solver.pindakaas.Encoder.DECISION_DIAGRAM
    # 20 layers of up to 30,000 partial sums: far past the size limit.
    weighty = Spec(
        groups=tuple(
            solver_group(f"g{g}", [(f"o{o}", 1 + (g * 37 + o * 101) % 997) for o in range(10)])
            for g in range(20)
        ),
        rules=(large,),
    )
    assert solver._Cnf(weighty)._total_encoder(large) == solver.TOTAL_ENCODER


def solver_group(code: str, options: list[tuple[str, int]]) -> GroupSpec:
    return GroupSpec(
        code=code,
        name=code,
        kind=SINGLE,
        options=tuple(OptionSpec(code=o, name=o, totals={"w": w}) for o, w in options),
    )


@pytest.mark.django_db
def test_answers_are_shared_per_product_version_and_choice() -> None:
    conf = create_demo_laptop()
    spec = load_spec(conf)
    assert spec.cache_key
    choice = {"chassis": "compact"}
    first = solver.possible_literals(spec, choice)
    key = solver._possible_key(spec, choice)
    assert cache.get(key) == "".join("1" if first[lit] else "0" for lit in spec.all_lits)
    assert first[("cpu", "fast")] is False  # the fast processor needs the large chassis
    # The next request (any process) reads the stored answer: planted here to show it is read.
    cache.set(key, "1" * len(spec.all_lits))
    assert solver.possible_literals(spec, choice)[("cpu", "fast")] is True
    # Another choice is another question.
    assert solver._possible_key(spec, {"chassis": "large"}) != key
    # A staff edit makes a new version: its answers are computed again, not read.
    conf.version += 1
    conf.save(update_fields=["version", "updated_at"])
    edited = load_spec(conf)
    assert edited.cache_key != spec.cache_key
    assert solver.possible_literals(edited, choice)[("cpu", "fast")] is False
    # A spec built in code (tests, the bench) is never cached.
    assert solver._possible_key(Spec(groups=spec.groups, rules=spec.rules), choice) == ""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(product_and_questions())
def test_a_prepared_encoding_gives_the_answers_of_a_fresh_one(case) -> None:
    """A process that loads a product version's clauses from the shared cache (stored by the
    first process that encoded it, or by `prepare` at publish time) answers exactly as one that
    encodes the product itself: both are checked against brute force."""
    plain, questions = case
    spec = dataclasses.replace(plain, cache_key=f"prepared-{uuid.uuid4().hex}")
    valid = all_valid(spec)
    solver._local.cache = None  # a fresh process
    solver.prepare(spec)
    assert isinstance(cache.get(solver._encoding_key(spec)), bytes)
    for choice in questions:
        cache.delete(solver._possible_key(spec, choice))
    solver._local.cache = None  # another process: loads the clauses, encodes nothing
    with mock.patch.object(solver._Cnf, "_encode", side_effect=AssertionError("encoded again")):
        for choice in questions:
            assert solver.possible_literals(spec, choice) == brute_force_possible(
                spec, choice, valid
            ), (choice, spec.rules)
        assert solver.is_feasible(spec) == bool(valid)
    solver._local.cache = None


def test_prepared_clauses_are_keyed_by_version_and_checked_when_read() -> None:
    spec = Spec(
        groups=(solver_group("g0", [("o0", 1), ("o1", 5)]), solver_group("g1", [("o0", 4)])),
        rules=(RuleSpec(kind=TOTAL, attribute="w", limit=6),),
        cache_key="version-1",
    )
    fresh = solver._Cnf(spec, pack=True)
    assert fresh.prepared
    loaded = solver._Cnf(spec, fresh.prepared)
    assert loaded.solve([loaded.var[("g0", "o1")]]) is None  # 5 + 4 > 6
    assert loaded.solve([loaded.var[("g0", "o0")]]) == {("g0", "o0"), ("g1", "o0")}
    # Another version (or a product built in code) has another key, or none.
    assert solver._encoding_key(spec) != solver._encoding_key(
        dataclasses.replace(spec, cache_key="version-2")
    )
    assert solver._encoding_key(dataclasses.replace(spec, cache_key="")) == ""
    # Clauses of another product are refused, not used; an unreadable entry is encoded again.
    other = dataclasses.replace(spec, groups=spec.groups[:1])
    with pytest.raises(ValueError):
        solver._Cnf(other, fresh.prepared)
    cache.set(solver._encoding_key(spec), b"not clauses")
    solver._local.cache = None
    assert solver._cnf(spec).solve([]) is not None
    assert cache.get(solver._encoding_key(spec)) == fresh.prepared  # stored again, readable
    solver._local.cache = None
