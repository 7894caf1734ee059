"""The configurator's questions, answered by well-kept solvers (ADR 0006).

See docs/adr/0006-configurator-solver.md.

One Boolean per option and per numeric value; each rule becomes clauses, a cardinality or a
pseudo-Boolean constraint (the same meaning as `spec.violated_rules`). The customer's picks are
*assumptions*, so one encoding per product version serves every question:

- `possible_literals` (and `is_feasible`, `valid_complete`, `never_possible`): an incremental SAT
  solver from python-sat (Glucose 4), the product encoded into clauses once per product version
  and thread (cardinality rules with `pysat.card`, computed totals with `pysat.pb`); the clauses
  of a product loaded from the database go to the shared cache (`prepare`, at publish time, or
  the first process to encode it), and other processes load them instead of encoding again.
  For every option: is there a valid complete configuration containing it together with the
  customer's other picks (no dead ends)? Options of a group where the customer already picked
  one are judged against the picks of the *other* groups, because choosing one replaces the
  pick.
  Per scope: valid configurations kept from recent questions mark what they contain; unit
  propagation of the picks and the refutations kept from earlier questions rule out options;
  one-option changes of recent valid configurations (`neighbours.Neighbours`, checked by the
  rules' reference meaning) mark more; before each solver call, the latest valid configuration
  that fits the scope with the option and one other open group's option swapped in
  (`Neighbours.pair`, lightest first, same check) may mark it; each option still unknown is
  one call with it assumed
  (the solver prefers each group's lightest option, so witnesses fit tight budgets): a
  solution marks every option it contains possible (and lends its one-option changes), an
  unsatisfiable call proves that option impossible (proven, not guessed). Answers for a
  product loaded from the database are kept in the shared cache per version and choice.
- `repair`: the nearest valid configuration (fewest changed picks), keeping the latest pick when
  it can: one optimisation solve with OR-Tools CP-SAT.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import importlib.metadata
import pickle
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pindakaas
from django.core.cache import cache as shared_cache
from ortools.sat.python import cp_model
from pysat.card import CardEnc, EncType
from pysat.formula import IDPool
from pysat.solvers import Solver

from rapport.configurator.neighbours import Neighbours
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
# The incremental SAT solver: Glucose 4 had the steadiest times here (CaDiCaL 1.5.3 a lower
# median, a worse tail); it takes the preferred polarities ("phases") the covering uses.
SAT_SOLVER = "glucose4"
# Computed totals (weighted sums) into clauses: pindakaas's encoder (None: its default for the
# constraint), on integer variables per single-choice and numeric group (one value per option).
TOTAL_ENCODER: Any = pindakaas.Encoder.WATCHDOG
# ... unless the arc-consistent decision diagram of a total stays under this many nodes (the
# bench product's 240 W power budget: about 4,000; its weight budget of 3,000: about 57,000,
# 288,000 clauses, which makes every solver call slower than the conflicts it saves).
DECISION_DIAGRAM_MAX_NODES = 20_000
# Valid configurations kept per encoding for the next questions (a customer's next click).
WITNESSES = 256
# "Possible options" answers in the shared cache, per product version and choice.
POSSIBLE_CACHE_SECONDS = 3600
# Per scope, how many recent valid configurations lend their one-option changes
# (`neighbours.Neighbours.swap`) before the solver is asked.
NEIGHBOUR_BASES = 8
# Refutations kept per option and encoding (`_Cnf.refuted`).
REFUTED = 16
# Before asking the solver about an option, the latest valid configuration that fits the scope
# lends its two-option changes: the option, plus one other group's option (lightest first, at
# most this many tried; `neighbours.Neighbours.pair`).
PAIR_SECONDS = 40
# A product version's clauses in the shared cache (`prepare`, `_cnf`): a process that has not
# encoded it yet loads them (about 20 ms) instead of encoding it again (about 100 ms).
ENCODING_CACHE_SECONDS = 7 * 24 * 3600
# The code and libraries that decide the clauses: a deploy that changes either names new keys.
ENCODING_FINGERPRINT = hashlib.sha256(
    b"".join(Path(__file__).with_name(name).read_bytes() for name in ("solver.py", "spec.py"))
    + repr([importlib.metadata.version(d) for d in ("python-sat", "pindakaas")]).encode()
).hexdigest()[:16]


class _Cnf:
    """One product as clauses in an incremental SAT solver, reused (with assumptions) for every
    "possible options" question about it. Variables 1..n are the literals in `spec.all_lits`
    order; cardinality and total encodings add auxiliary variables above them."""

    def __init__(self, spec: Spec, prepared: bytes = b"", *, pack: bool = False) -> None:
        self.spec = spec
        self.lits = list(spec.all_lits)
        self.var = {lit: i for i, lit in enumerate(self.lits, start=1)}
        self.pool = IDPool(start_from=len(self.lits) + 1)
        # Per single-choice or numeric group, a switch that, assumed, asks for one of its options.
        self.some: dict[str, int] = {}
        # With `pack`, the clauses as `prepared` bytes, for the shared cache.
        self.prepared = b""
        clauses = self._unpack(prepared) if prepared else self._encode()
        if pack and not prepared:
            self.prepared = zlib.compress(
                pickle.dumps((len(self.lits), self.pool.top, self.some, clauses), protocol=5)
            )
        self.solver = Solver(name=SAT_SOLVER, bootstrap_with=clauses)
        self.light = self._lightest()
        # Valid configurations found lately (any question about this product version): a new
        # question first reads these, and asks the solver only about what they leave open.
        self.witnesses: collections.deque[frozenset[Lit]] = collections.deque(maxlen=WITNESSES)
        self.neighbours = Neighbours(spec)
        # The assumptions behind the last refutation (a subset of them, the solver's core).
        self.core: frozenset[int] = frozenset()
        # Per option variable, the other picks it was proven impossible with lately: a later
        # question assuming all of them (the customer's next click adds picks) needs no call.
        self.refuted: dict[int, collections.deque[frozenset[int]]] = collections.defaultdict(
            lambda: collections.deque(maxlen=REFUTED)
        )

    def _unpack(self, prepared: bytes) -> list[list[int]]:
        """The clauses `prepared` holds (made by this code for this product version: the key
        names both), after a check that they name this product's literals."""
        count, top, some, clauses = pickle.loads(zlib.decompress(prepared))  # noqa: S301
        if count != len(self.lits) or set(some) - {g.code for g in self.spec.groups}:
            raise ValueError("prepared clauses of another product")
        self.pool.top = top
        self.some = some
        return clauses

    def _encode(self) -> list[list[int]]:
        """The product's rules as clauses (cardinality and totals with their own variables)."""
        spec = self.spec
        clauses: list[list[int]] = []
        for group in spec.groups:
            xs = [self.var[lit] for lit in group.lits()]
            if not xs:
                continue
            if group.required:
                clauses.append(xs)  # at least one
            if group.kind != MULTIPLE:
                if len(xs) > 1:
                    clauses += self._atmost(xs, 1)
                self.some[group.code] = self.pool.id(("some", group.code))
                clauses.append([-self.some[group.code], *xs])
        for rule in spec.rules:
            if rule.kind != TOTAL:
                clauses += self._rule(rule)
        clauses += self._totals([rule for rule in spec.rules if rule.kind == TOTAL])
        return clauses

    def _lightest(self) -> set[int]:
        """Per single-choice or numeric group, the option adding least to the computed totals
        (relative to each limit; the first one when nothing is counted). The solver tries these
        first, so a configuration it completes leaves the most room in tight budgets."""
        totals = [rule for rule in self.spec.rules if rule.kind == TOTAL and rule.limit > 0]

        def load(lit: Lit) -> float:
            return sum(self.spec.contribution(lit, r.attribute) / r.limit for r in totals)

        # All literals, lightest first: the second changes `Neighbours.pair` tries.
        self.by_load = sorted(self.lits, key=load)
        return {
            self.var[min(group.lits(), key=load)]
            for group in self.spec.groups
            if group.kind in (SINGLE, NUMERIC) and group.lits()
        }

    def _x(self, lits: Iterable[Lit]) -> list[int]:
        return [self.var[lit] for lit in lits if lit in self.var]

    def _atmost(self, xs: list[int], k: int) -> list[list[int]]:
        if k >= len(xs):
            return []
        if k <= 0:
            return [[-x] for x in xs]
        kind = EncType.pairwise if k == 1 and len(xs) <= 8 else EncType.seqcounter
        return CardEnc.atmost(xs, bound=k, vpool=self.pool, encoding=kind).clauses

    def _atleast(self, xs: list[int], k: int) -> list[list[int]]:
        if k <= 0:
            return []
        if k > len(xs):
            return [[]]
        if k == 1:
            return [list(xs)]
        return CardEnc.atleast(xs, bound=k, vpool=self.pool, encoding=EncType.seqcounter).clauses

    def _rule(self, rule: Any) -> list[list[int]]:
        spec = self.spec
        when = self._x(rule.when)
        if len(when) != len(rule.when):  # names an option that no longer exists: never applies
            return []
        # "Only when all `when` options are chosen": every clause of the encoding gets "or one
        # of them is not chosen" (sound for any encoding: its auxiliary variables are its own).
        unless = [-w for w in when]
        if rule.kind == REQUIRES:
            return [unless + self._x(rule.then)]
        if rule.kind == EXCLUDES:
            return [[-w, -t] for w in when for t in self._x(rule.then)]
        if rule.kind == AT_MOST:
            clauses = self._atmost(self._x(spec.counted(rule)), rule.k)
        elif rule.kind == AT_LEAST:
            clauses = self._atleast(self._x(spec.counted(rule)), rule.k)
        elif rule.kind == RANGE:
            group = spec.by_code.get(rule.group)
            if group is None:
                return []
            clauses = [
                [-self.var[lit]]
                for lit in group.lits()
                if (rule.low is not None and int(lit[1]) < rule.low)
                or (rule.high is not None and int(lit[1]) > rule.high)
            ]
        else:  # an unknown kind never passes (as in `spec.violated_rules`)
            return [[]]
        return [clause + unless for clause in clauses]

    def _totals(self, rules: list[Any]) -> list[list[int]]:
        """Computed totals (sum of an attribute <= limit, when the rule's options are chosen) as
        pseudo-Boolean constraints encoded by pindakaas. A single-choice or numeric group takes
        exactly one value (or none, when optional), so it is one integer variable whose values
        are its options' contributions: the encoder sees the group structure rather than a
        weighted sum of unrelated Booleans (far fewer clauses, stronger propagation)."""
        if not rules:
            return []
        lit = pindakaas.Lit.from_raw
        db = pindakaas.CNF()
        db.new_vars(self.pool.top)
        extra: list[list[int]] = []
        none_of: dict[str, Any] = {}
        for rule in rules:
            when = self._x(rule.when)
            if len(when) != len(rule.when):
                continue
            lhs = self._sum(db, rule, none_of)
            if isinstance(lhs, int):  # nothing contributes
                if lhs > rule.limit:
                    extra.append([-w for w in when])
                continue
            try:
                db.add_encoding(
                    lhs <= rule.limit, self._total_encoder(rule), conditions=[lit(w) for w in when]
                )
            except pindakaas.Unsatisfiable:  # the limit cannot hold: the condition cannot
                extra.append([-w for w in when])
        self.pool.top = max(self.pool.top, len(db.variables()))  # totals are encoded last
        return [[int(x) for x in clause] for clause in db.clauses()] + extra

    def _sum(self, db: Any, rule: Any, none_of: dict[str, Any]) -> Any:
        """The rule's attribute summed over the product: one integer term per single-choice or
        numeric group (its options' contributions), one weighted Boolean per multiple-choice
        option; a plain int when nothing contributes."""
        spec, lit = self.spec, pindakaas.Lit.from_raw
        lhs: Any = 0
        for group in spec.groups:
            lits = group.lits()
            if not lits:
                continue
            if group.kind == MULTIPLE:
                for one in lits:
                    weight = spec.contribution(one, rule.attribute)
                    if weight:
                        lhs = lhs + weight * lit(self.var[one])
                continue
            by_value: dict[int, list[Any]] = {}
            for one in lits:
                by_value.setdefault(spec.contribution(one, rule.attribute), []).append(
                    lit(self.var[one])
                )
            if not group.required:  # nothing chosen counts 0
                if group.code not in none_of:
                    none = none_of[group.code] = db.new_var()
                    options = [lit(self.var[one]) for one in lits]
                    db.add_clause([none, *options])
                    for x in options:
                        db.add_clause([~none, ~x])
                by_value.setdefault(0, []).append(none_of[group.code])
            if set(by_value) == {0}:
                continue
            values = sorted(by_value)
            direct = []
            for value in values:
                xs = by_value[value]
                if len(xs) == 1:
                    direct.append(xs[0])
                else:  # several options add the same: "one of them" is that value
                    y = db.new_var()
                    db.add_clause([~y, *xs])
                    for x in xs:
                        db.add_clause([~x, y])
                    direct.append(y)
            lhs = lhs + db.int_var_from_direct_literals(values, direct)
        return lhs

    def _total_encoder(self, rule: Any) -> Any:
        """pindakaas's decision diagram when it stays small (it is arc-consistent: unit
        propagation alone rules out every option that would break the limit, which spares the
        solver most of its conflicts on a tight budget), else the compact watchdog encoding.
        Its size is about the number of distinct partial sums up to the limit, group by group."""
        sums, nodes = {0}, 0
        for group in self.spec.groups:
            terms = {self.spec.contribution(one, rule.attribute) for one in group.lits()}
            if not terms or terms == {0}:
                continue
            if min(terms) < 0:  # partial sums can come back under the limit: no cheap bound
                return TOTAL_ENCODER
            if group.kind == MULTIPLE:
                for weight in terms:
                    sums |= {min(s + weight, rule.limit + 1) for s in sums}
                    nodes += len(sums)
            else:
                sums = {min(s + t, rule.limit + 1) for s in sums for t in terms | {0}}
                nodes += len(sums)
            if nodes > DECISION_DIAGRAM_MAX_NODES:
                return TOTAL_ENCODER
        return pindakaas.Encoder.DECISION_DIAGRAM

    def solve(self, assumptions: list[int], prefer: Iterable[int] = ()) -> frozenset[Lit] | None:
        """The literals of a valid assignment with every assumption true, or None when there is
        none. The solver decides `prefer` variables and each group's lightest option true and
        the other literals false first (phases only guide it: the answer is exact)."""
        solver = self.solver
        preferred = self.light.union(prefer)
        solver.set_phases([x if x in preferred else -x for x in range(1, len(self.lits) + 1)])
        if not solver.solve(assumptions=assumptions):
            # The assumptions behind the refutation (a subset of them): they can never hold
            # together, in this question or a later one (the customer's next click adds picks).
            core = solver.get_core()
            self.core = frozenset(assumptions if core is None else core)
            return None
        model = solver.get_model()
        assert model is not None
        return frozenset(lit for lit, value in zip(self.lits, model, strict=False) if value > 0)

    def implied_false(self, assumptions: list[int]) -> set[int] | None:
        """The option variables unit propagation sets false under the assumptions (no valid
        configuration contains them), or None when propagation alone finds a conflict."""
        ok, implied = self.solver.propagate(assumptions=assumptions)
        if not ok:
            return None
        return {-x for x in implied if x < 0}


class _Model:
    """A CP-SAT model of one product, for the optimisation "fix it for me" needs."""

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


class _Cache:
    """Per thread (neither solver is shared between threads), the encodings of the products
    asked about lately, by product version (a `Spec` is loaded once per version)."""

    def __init__(self) -> None:
        self.model = functools.lru_cache(maxsize=32)(_Model)
        self.cnf = functools.lru_cache(maxsize=32)(_shared_cnf)


def _cache() -> _Cache:
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = _Cache()
    return cache


def _model(spec: Spec) -> _Model:
    """The CP-SAT model of `spec` (repair)."""
    return _cache().model(spec)


def _cnf(spec: Spec) -> _Cnf:
    """The SAT encoding of `spec` (possible options and the checks)."""
    return _cache().cnf(spec)


def _encoding_key(spec: Spec) -> str:
    return f"configurator:cnf:{spec.cache_key}:{ENCODING_FINGERPRINT}" if spec.cache_key else ""


def _shared_cnf(spec: Spec) -> _Cnf:
    """A new encoding of `spec` in this thread: for a product loaded from the database, from
    the clauses another process (or `prepare`, at publish time) stored in the shared cache,
    else encoded here and stored there for the others."""
    key = _encoding_key(spec)
    if key:
        prepared = shared_cache.get(key)
        if isinstance(prepared, bytes):
            try:
                return _Cnf(spec, prepared)
            except (ValueError, TypeError, EOFError, pickle.UnpicklingError, zlib.error):
                pass  # unreadable: encode again, and store the good clauses
    cnf = _Cnf(spec, pack=bool(key))
    if key:
        shared_cache.set(key, cnf.prepared, ENCODING_CACHE_SECONDS)
        cnf.prepared = b""  # stored; not kept in memory
    return cnf


def prepare(spec: Spec) -> None:
    """Encode a product version for every process before a shopper asks (the staff editor calls
    this when a change is saved): its clauses go to the shared cache, and so does the answer to
    the first question every shopper asks (nothing chosen yet)."""
    possible_literals(spec, {})


@dataclass
class Possibility:
    """What the configurator page shows for one option (or numeric value)."""

    possible: bool
    reason: str = ""


def is_feasible(spec: Spec) -> bool:
    """Whether the product's rules admit at least one complete configuration."""
    return _cnf(spec).solve([]) is not None


def valid_complete(spec: Spec, choice: Choice) -> bool:
    """Whether a complete (normalised) choice satisfies every rule, by the solver."""
    chosen = picks(spec, choice)
    cnf = _cnf(spec)
    if not chosen <= cnf.var.keys():
        return False
    # Everything not chosen is assumed false too: a complete choice leaves nothing open.
    return cnf.solve([x if lit in chosen else -x for lit, x in cnf.var.items()]) is not None


def possible_literals(spec: Spec, choice: Choice) -> dict[Lit, bool]:
    """For every literal: is some valid complete configuration containing it and the picks of
    the other groups (and, for multiple-choice groups, of its own group)? A product loaded from
    the database (`spec.cache_key`) keeps its answers in the shared cache, per version and
    choice."""
    key = _possible_key(spec, choice)
    if key:
        cached = shared_cache.get(key)
        if isinstance(cached, str) and len(cached) == len(spec.all_lits):
            return {lit: flag == "1" for lit, flag in zip(spec.all_lits, cached, strict=True)}
    result = _possible(spec, choice)
    if key:
        flags = "".join("1" if result[lit] else "0" for lit in spec.all_lits)
        shared_cache.set(key, flags, POSSIBLE_CACHE_SECONDS)
    return result


def _possible_key(spec: Spec, choice: Choice) -> str:
    """The shared-cache key of a question: the product version and what the answer depends on
    (the picks, and which single-choice or numeric groups have one)."""
    if not spec.cache_key:
        return ""
    replaced = sorted(
        g.code for g in spec.groups if g.kind in (SINGLE, NUMERIC) and g.code in choice
    )
    question = repr((sorted(picks(spec, choice)), replaced)).encode()
    return f"configurator:possible:{spec.cache_key}:{hashlib.sha256(question).hexdigest()}"


def _possible(spec: Spec, choice: Choice) -> dict[Lit, bool]:
    """`possible_literals` by the SAT solver: per scope (all picks; all picks but one
    single-choice or numeric group's, since picking there replaces the pick), (1) the recent
    valid configurations that fit mark their options possible, (2) unit propagation of the
    scope's picks rules out options (the implied-literal pass), and so does a refutation kept
    from an earlier question whose picks the scope contains (adding picks never makes an
    option possible again), (3) one-option changes of recent configurations that fit the
    scope (or miss one of its picks), checked against the rules, mark theirs, (4) before each
    solver call, two-option changes of the latest configuration that fits the scope (the
    option, plus one option of another open group, lightest first) are checked the same way,
    (5) each option still unknown is asked about with assumptions: a configuration marks
    every option it contains possible in every scope it fits and lends its one-option changes,
    "unsatisfiable" proves that option impossible (its core is kept as a refutation)."""
    cnf = _cnf(spec)
    chosen = picks(spec, choice)
    replaced = [g.code for g in spec.groups if g.kind in (SINGLE, NUMERIC) and g.code in choice]
    scopes: dict[str, frozenset[Lit]] = {"": frozenset(chosen)}
    pending: dict[str, dict[Lit, None]] = {
        "": dict.fromkeys(lit for lit in spec.all_lits if lit[0] not in replaced)
    }
    for code in replaced:
        scopes[code] = frozenset(lit for lit in chosen if lit[0] != code)
        pending[code] = dict.fromkeys(spec.by_code[code].lits())
    result: dict[Lit, bool] = {}

    def cover(found: frozenset[Lit]) -> None:
        missing = chosen - found
        if not missing:  # has every pick: fits every scope
            names: Iterable[str] = scopes
        elif len(missing) == 1:  # fits only the scope without that pick's group
            names = [name for (name, _key) in missing if name in scopes]
        else:
            return
        for name in names:
            hits = [lit for lit in pending[name] if lit in found]
            for lit in hits:
                result[lit] = True
                del pending[name][lit]

    def record(found: frozenset[Lit]) -> None:
        cnf.witnesses.append(found)
        cover(found)

    def neighbours(base: frozenset[Lit], name: str) -> None:
        """Each option still unknown in scope `name`, swapped into `base` (a valid
        configuration that fits the scope): a swap that keeps every rule is a witness."""
        for found in cnf.neighbours.swaps(base, pending[name]):
            record(found)

    for earlier in cnf.witnesses:
        cover(earlier)
    for name, fixed in scopes.items():
        if not pending[name]:
            continue
        assumptions = sorted(cnf.var[lit] for lit in fixed if lit in cnf.var)
        impossible = None
        if len(assumptions) == len(fixed):  # else a pick the product does not have: none fits
            impossible = cnf.implied_false(assumptions)
        known = frozenset(assumptions)
        for lit in list(pending[name]):
            x = cnf.var[lit]
            if (
                impossible is None
                or x in impossible
                or any(others <= known for others in cnf.refuted.get(x, ()))
            ):
                result[lit] = False
                del pending[name][lit]
        # Recent configurations that fit the scope, or miss one of its picks (swapped in).
        tried = 0
        for earlier in list(reversed(cnf.witnesses)):
            if not pending[name] or tried >= NEIGHBOUR_BASES:
                break
            missing = fixed - earlier
            if len(missing) > 1:
                continue
            base = earlier
            if missing:
                swapped = cnf.neighbours.swap(earlier, next(iter(missing)))
                if swapped is None:
                    continue
                base = swapped
                record(base)
            tried += 1
            neighbours(base, name)
        # Second changes for `Neighbours.pair`: options of the groups the scope leaves open.
        open_groups = {lit[0] for lit in fixed}
        seconds = [lit for lit in cnf.by_load if lit[0] not in open_groups]
        latest = next((w for w in reversed(cnf.witnesses) if fixed <= w), None)
        while pending[name]:
            target = next(iter(pending[name]))
            if latest is not None:
                paired = cnf.neighbours.pair(latest, target, seconds, PAIR_SECONDS)
                if paired is not None:
                    record(paired)
                    neighbours(paired, name)
                    continue
            witness = cnf.solve([*assumptions, cnf.var[target]])
            if witness is None:
                cnf.refuted[cnf.var[target]].append(cnf.core - {cnf.var[target]})
                result[target] = False
                del pending[name][target]
                continue
            record(witness)
            latest = witness
            neighbours(witness, name)
    return {lit: result[lit] for lit in spec.all_lits}  # in the product's order


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
