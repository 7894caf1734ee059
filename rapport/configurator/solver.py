"""The configurator's questions answered by OR-Tools CP-SAT (docs/adr/0006-configurator-solver.md).

One Boolean per option and per numeric value; each rule becomes clauses or a linear constraint
(the same meaning as `spec.violated_rules`). The customer's picks are *assumptions*, so one model
per product version serves every question:

- `possible_options`: for every option, is there a valid complete configuration containing it
  together with the customer's other picks (no dead ends)? Options of a group where the customer
  already picked one are judged against the picks of the *other* groups, because choosing one
  replaces the pick. Found by covering: each solve must include at least one option not yet shown
  possible; when that is infeasible, the rest are impossible (proven, not guessed).
- `repair`: the nearest valid configuration (fewest changed picks), keeping the latest pick when
  it can.
- `is_feasible` / `never_possible`: the staff editor's checks.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

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
    Choice,
    Lit,
    Spec,
    choice_from_lits,
    picks,
)

# A product's rules are small: a solve that takes this long is a modelling bug, not a search.
TIME_LIMIT_SECONDS = 5.0


class _Model:
    """A CP-SAT model of one product, reused (with assumptions) for every question about it."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.model = cp_model.CpModel()
        self.var: dict[Lit, Any] = {}
        for group in spec.groups:
            lits = group.lits()
            for lit in lits:
                self.var[lit] = self.model.new_bool_var(f"{lit[0]}={lit[1]}")
            xs = [self.var[lit] for lit in lits]
            if not xs:
                continue
            if group.kind == MULTIPLE:
                if group.required:
                    self.model.add_bool_or(xs)
            elif group.required:
                self.model.add_exactly_one(xs)
            else:
                self.model.add_at_most_one(xs)
        for rule in spec.rules:
            self._add_rule(rule)
        self.solver = cp_model.CpSolver()
        self.solver.parameters.num_workers = 1
        self.solver.parameters.random_seed = 7
        self.solver.parameters.max_time_in_seconds = TIME_LIMIT_SECONDS
        # Small models, many short solves: skip the work that pays off only on big ones.
        self.solver.parameters.cp_model_presolve = False
        self.solver.parameters.linearization_level = 0
        self.solver.parameters.symmetry_level = 0
        self.solver.parameters.cp_model_probing_level = 0

    def _x(self, lits: Iterable[Lit]) -> list[Any]:
        return [self.var[lit] for lit in lits if lit in self.var]

    def _add_rule(self, rule: Any) -> None:
        m, spec = self.model, self.spec
        when = self._x(rule.when)
        if len(when) != len(rule.when):  # names an option that no longer exists: never applies
            return
        if rule.kind == REQUIRES:
            m.add_bool_or([w.Not() for w in when] + self._x(rule.then))
        elif rule.kind == EXCLUDES:
            for w in when:
                for t in self._x(rule.then):
                    m.add_bool_or([w.Not(), t.Not()])
        elif rule.kind in (AT_MOST, AT_LEAST):
            counted = sum(self._x(spec.counted(rule)))
            made = m.add(counted <= rule.k) if rule.kind == AT_MOST else m.add(counted >= rule.k)
            if when:
                made.only_enforce_if(when)
        elif rule.kind == RANGE:
            group = spec.by_code.get(rule.group)
            if group is None:
                return
            for lit in group.lits():
                value = int(lit[1])
                if (rule.low is not None and value < rule.low) or (
                    rule.high is not None and value > rule.high
                ):
                    m.add_bool_or([w.Not() for w in when] + [self.var[lit].Not()])
        elif rule.kind == TOTAL:
            terms = [
                (spec.contribution(lit, rule.attribute), x)
                for lit, x in self.var.items()
                if spec.contribution(lit, rule.attribute)
            ]
            made = m.add(sum(c * x for c, x in terms) <= rule.limit)
            if when:
                made.only_enforce_if(when)

    def solve(self, fixed: Iterable[Lit], *, prefer: Iterable[Lit] = ()) -> set[Lit] | None:
        """A valid assignment with every `fixed` literal true, or None when there is none. The
        `prefer` literals are hinted true: the search takes as many of them as it can on the way
        (a hint, not an objective: no optimality proof to pay for)."""
        m = self.model
        m.clear_assumptions()
        m.clear_objective()
        m.clear_hints()
        fixed = list(fixed)
        assumptions = self._x(fixed)
        if len(assumptions) != len(fixed):
            return None
        for x in self._x(prefer):
            m.add_hint(x, True)
        m.add_assumptions(assumptions)
        status = self.solver.solve(m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return {lit for lit, x in self.var.items() if self.solver.boolean_value(x)}

    def nearest(self, wanted: dict[Lit, int], unwanted: dict[Lit, int]) -> set[Lit] | None:
        """The valid assignment keeping most (weighted) wanted literals true and unwanted false."""
        m = self.model
        m.clear_assumptions()
        m.clear_hints()
        m.clear_objective()
        terms = [w * self.var[lit] for lit, w in wanted.items() if lit in self.var]
        terms += [w * (1 - self.var[lit]) for lit, w in unwanted.items() if lit in self.var]
        m.maximize(sum(terms))
        for lit in wanted:
            if lit in self.var:
                m.add_hint(self.var[lit], True)
        status = self.solver.solve(m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return {lit for lit, x in self.var.items() if self.solver.boolean_value(x)}


_local = threading.local()


def _model(spec: Spec) -> _Model:
    """The model of `spec`, built once per thread and product version (a CP-SAT model is not
    shared between threads)."""
    cache = getattr(_local, "models", None)
    if cache is None:
        cache = _local.models = _ModelCache()
    return cache.get(spec)


class _ModelCache:
    def __init__(self) -> None:
        self._get = functools.lru_cache(maxsize=32)(_Model)

    def get(self, spec: Spec) -> _Model:
        return self._get(spec)


@dataclass
class Possibility:
    """What the configurator page shows for one option (or numeric value)."""

    possible: bool
    reason: str = ""


def is_feasible(spec: Spec) -> bool:
    """Whether the product's rules admit at least one complete configuration."""
    return _model(spec).solve([]) is not None


def valid_complete(spec: Spec, choice: Choice) -> bool:
    """Whether a complete (normalised) choice satisfies every rule, by the solver."""
    chosen = picks(spec, choice)
    model = _model(spec)
    # Everything not chosen is fixed false too: a complete choice leaves nothing open.
    m = model.model
    m.clear_assumptions()
    m.clear_objective()
    m.clear_hints()
    m.add_assumptions([x if lit in chosen else x.Not() for lit, x in model.var.items()])
    return model.solver.solve(m) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def possible_literals(spec: Spec, choice: Choice) -> dict[Lit, bool]:
    """For every literal: is some valid complete configuration containing it and the picks of
    the other groups (and, for multiple-choice groups, of its own group)?"""
    model = _model(spec)
    chosen = picks(spec, choice)
    # One scope per set of fixed picks: "all picks" for open groups and multiple-choice groups;
    # "all picks but group g's" for each single-choice or numeric group with a pick.
    scopes: dict[str, tuple[set[Lit], list[Lit]]] = {}
    replaced = {g.code for g in spec.groups if g.kind in (SINGLE, NUMERIC) and g.code in choice}
    open_lits = [lit for lit in spec.all_lits if lit[0] not in replaced]
    scopes[""] = (chosen, open_lits)
    for code in replaced:
        fixed = {lit for lit in chosen if lit[0] != code}
        scopes[code] = (fixed, spec.by_code[code].lits())
    result: dict[Lit, bool] = {}
    pending = {name: list(lits) for name, (_fixed, lits) in scopes.items()}
    solutions: list[set[Lit]] = []

    def cover(solution: set[Lit]) -> None:
        for name, (fixed, _lits) in scopes.items():
            if fixed <= solution:
                hits = [lit for lit in pending[name] if lit in solution]
                for lit in hits:
                    result[lit] = True
                if hits:
                    pending[name] = [lit for lit in pending[name] if lit not in solution]

    for name, (fixed, _lits) in scopes.items():
        if not pending[name]:
            continue
        for earlier in solutions:
            if fixed <= earlier:
                cover(earlier)
        while pending[name]:
            # The first literal not yet shown possible, with the others hinted: either a
            # configuration containing it (and often several others), or a proof it has none.
            target = pending[name][0]
            found = model.solve([*fixed, target], prefer=pending[name][1:])
            if found is None:
                result[target] = False
                pending[name] = pending[name][1:]
                continue
            solutions.append(found)
            cover(found)
    return result


def repair(spec: Spec, choice: Choice, *, keep: str = "") -> dict[str, Any] | None:
    """The valid complete configuration nearest to `choice` (fewest picks changed), keeping the
    picks of group `keep` (the latest change) when any valid configuration allows it. None when
    the product admits no configuration at all."""
    chosen = picks(spec, choice)
    wanted = {lit: (len(chosen) + 1 if lit[0] == keep else 1) for lit in chosen}
    unwanted = {
        lit: 1
        for g in spec.groups
        if g.kind == MULTIPLE and g.code in choice
        for lit in g.lits()
        if lit not in chosen
    }
    found = _model(spec).nearest(wanted, unwanted)
    if found is None:
        return None
    return choice_from_lits(spec, found, text=choice)


def never_possible(spec: Spec) -> list[Lit]:
    """Literals no valid configuration contains (the staff editor lists them)."""
    return [lit for lit, ok in possible_literals(spec, {}).items() if not ok]
