"""One-option changes of a valid configuration, checked by the rules' reference meaning.

"Possible options" (`solver.possible_literals`) needs, for every option and scope, one valid
complete configuration containing it. The SAT solver finds each in about half a millisecond,
but most of them differ from one already found by a single option: the same configuration with
another option of one group. `Neighbours.swap` builds that configuration and checks it against
the rules that the change can affect (`spec.rule_holds`, the meaning the solver encodes, and the
computed totals), in a few microseconds. Nothing is guessed: a swap that breaks a rule is
dropped and the solver is asked as before (it alone proves an option impossible), and a swap
that keeps every rule is a valid configuration like any the solver returns. This is a check of
candidates, not a search: no backtracking, one change per candidate.

Under a tight budget (a weight limit) the one-option change of a target often breaks the total;
`Neighbours.pair` then also changes one other group that the customer left open, to a lighter
option (a fixed list, lightest first, at most a few dozen tried): still a check of candidates,
two changes each, nothing searched and nothing proven impossible here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from rapport.configurator.spec import (
    AT_LEAST,
    AT_MOST,
    EXCLUDES,
    MULTIPLE,
    RANGE,
    REQUIRES,
    TOTAL,
    Lit,
    RuleSpec,
    Spec,
    rule_holds,
)


class Neighbours:
    """A product's rules indexed by the options they read, built once per encoding."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.lits_of = {g.code: frozenset(g.lits()) for g in spec.groups}
        self.multiple = {g.code for g in spec.groups if g.kind == MULTIPLE}
        self.rules_of: dict[Lit, list[RuleSpec]] = {}
        self.always: list[RuleSpec] = []  # rules that any change can break (unknown kinds)
        self.totals: list[tuple[RuleSpec, dict[Lit, int]]] = []
        self._sums: dict[frozenset[Lit], list[tuple[RuleSpec, dict[Lit, int], int]]] = {}
        for rule in spec.rules:
            if rule.kind == TOTAL:
                weights = {lit: spec.contribution(lit, rule.attribute) for lit in spec.all_lits}
                self.totals.append((rule, {lit: w for lit, w in weights.items() if w}))
                continue
            read = set(rule.when)
            if rule.kind in (REQUIRES, EXCLUDES):
                read |= set(rule.then)
            elif rule.kind in (AT_MOST, AT_LEAST):
                read |= set(spec.counted(rule))
            elif rule.kind == RANGE:
                read |= self.lits_of.get(rule.group, frozenset())
            else:
                self.always.append(rule)
                continue
            for lit in read:
                self.rules_of.setdefault(lit, []).append(rule)

    def swaps(self, base: frozenset[Lit], lits: Collection[Lit]) -> Iterator[frozenset[Lit]]:
        """`base` (a valid complete configuration) with each of `lits` chosen in turn: instead
        of its group's option, or added to a multiple-choice group's. Yields each new
        configuration that keeps every rule. `lits` may shrink meanwhile (a literal the
        caller has covered is skipped)."""
        # The totals of `base`; a change moves each by its options' weights.
        totals = self._totals(base)
        for lit in list(lits):
            if lit not in lits:
                continue
            code = lit[0]
            if code in self.multiple:
                removed: frozenset[Lit] = frozenset()
                new = base | {lit}
            else:
                removed = base & self.lits_of[code]
                new = (base - removed) | {lit}
            if self._keeps(new, (lit,), removed, totals):
                yield new

    def swap(self, base: frozenset[Lit], lit: Lit) -> frozenset[Lit] | None:
        """One change (see `swaps`): the new configuration, or None when it breaks a rule."""
        return next(self.swaps(base, [lit]), None)

    def pair(
        self, base: frozenset[Lit], lit: Lit, seconds: list[Lit], limit: int
    ) -> frozenset[Lit] | None:
        """`base` with `lit` chosen and one more option of another group (from `seconds`, in
        their order, at most `limit` tried) chosen too: the first such configuration that keeps
        every rule, or None. Single-choice and numeric groups only."""
        code = lit[0]
        if code in self.multiple:
            return None
        removed = base & self.lits_of[code]
        first = (base - removed) | {lit}
        # Each total of `first`, with its limit, when the rule applies whatever the second
        # change is (no condition); conditional totals are checked on the whole configuration.
        sums = self._totals(base)
        bounds = []
        for rule, weights, total in sums:
            if not rule.when:
                total += weights.get(lit, 0) - sum(weights.get(x, 0) for x in removed)
                bounds.append((weights, rule.limit - total))
        current = {x[0]: x for x in base}
        tried = 0
        for other in seconds:
            group = other[0]
            if group == code or other in base or group in self.multiple:
                continue
            tried += 1
            if tried > limit:
                break
            old = current.get(group)
            if any(
                weights.get(other, 0) - (weights.get(old, 0) if old else 0) > room
                for weights, room in bounds
            ):
                continue
            removed2 = frozenset((old,)) if old else frozenset()
            new = (first - removed2) | {other}
            if self._keeps(new, (lit, other), removed | removed2, sums):
                return new
        return None

    def _totals(self, base: frozenset[Lit]) -> list[tuple[RuleSpec, dict[Lit, int], int]]:
        """Each total with its weights and its sum over `base` (kept for recent bases)."""
        found = self._sums.get(base)
        if found is None:
            if len(self._sums) >= 4096:
                self._sums.clear()
            found = self._sums[base] = [
                (rule, weights, sum(weights.get(x, 0) for x in base))
                for rule, weights in self.totals
            ]
        return found

    def _keeps(
        self,
        new: frozenset[Lit],
        added: tuple[Lit, ...],
        removed: frozenset[Lit],
        totals: list[tuple[RuleSpec, dict[Lit, int], int]],
    ) -> bool:
        spec = self.spec
        for rule, weights, total in totals:
            if all(w in new for w in rule.when):
                total += sum(weights.get(a, 0) for a in added) - sum(
                    weights.get(x, 0) for x in removed
                )
                if total > rule.limit:
                    return False
        for one in (*added, *removed):
            for rule in self.rules_of.get(one, ()):
                if not rule_holds(spec, rule, new):
                    return False
        return all(rule_holds(spec, rule, new) for rule in self.always)
