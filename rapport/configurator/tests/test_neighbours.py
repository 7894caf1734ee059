"""Two-option changes (`Neighbours.pair`) against brute force on small random products: a change
is offered only when it is a valid configuration, and the first valid one in the given order is
the one returned (none missed, none invented)."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rapport.configurator.neighbours import Neighbours
from rapport.configurator.spec import MULTIPLE, shape_ok, violated_rules
from rapport.configurator.tests.test_solver_brute_force import all_valid, products


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(products(), st.data())
def test_a_two_option_change_is_offered_exactly_when_it_keeps_every_rule(spec, data) -> None:
    valid = all_valid(spec)
    assume(valid)
    base = frozenset(data.draw(st.sampled_from(valid)))
    lit = data.draw(st.sampled_from(spec.all_lits))
    seconds = data.draw(st.permutations(spec.all_lits))
    limit = data.draw(st.integers(1, len(seconds)))
    found = Neighbours(spec).pair(base, lit, list(seconds), limit)

    # The reference: the same candidates, in the same order, judged by the rules' meaning.
    expected = None
    single = {g.code for g in spec.groups if g.kind != MULTIPLE}
    if lit[0] in single:
        first = {x for x in base if x[0] != lit[0]} | {lit}
        tried = 0
        for other in seconds:
            if other[0] == lit[0] or other in base or other[0] not in single:
                continue
            tried += 1
            if tried > limit:
                break
            new = {x for x in first if x[0] != other[0]} | {other}
            if shape_ok(spec, new) and not violated_rules(spec, new):
                expected = frozenset(new)
                break
    assert found == expected
    if found is not None:
        assert set(found) in valid and lit in found
