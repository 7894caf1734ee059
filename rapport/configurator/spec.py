"""A configurable product as plain, immutable data, and the meaning of its rules.

`Spec` is what the solver and the checks read: loaded from the database once per product
version (`load_spec`), or built directly by tests. Choices are dicts {group code: value}:
an option code (single), a list of option codes (multiple), a whole number (numeric) or a
string (free text). Internally a choice becomes a set of *literals* `(group code, key)`: the
option code, or the numeric value as a string.

`violated_rules` is the reference meaning of every rule kind on a complete choice; the solver
encodes the same rules for CP-SAT and the property tests check the two agree.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Lit = tuple[str, str]
Choice = Mapping[str, Any]

SINGLE, MULTIPLE, NUMERIC, TEXT = "single", "multiple", "numeric", "text"
REQUIRES, EXCLUDES, AT_MOST, AT_LEAST, RANGE, TOTAL = (
    "requires",
    "excludes",
    "at_most",
    "at_least",
    "range",
    "total",
)


@dataclass(frozen=True)
class OptionSpec:
    code: str
    name: str
    price: Decimal = Decimal("0.00")
    lead_days: int = 0
    component_id: int | None = None
    component_quantity: int = 1
    totals: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class GroupSpec:
    code: str
    name: str
    kind: str
    required: bool = True
    options: tuple[OptionSpec, ...] = ()
    values: tuple[int, ...] = ()
    unit: str = ""
    price_per_unit: Decimal = Decimal("0.00")
    totals_per_unit: Mapping[str, int] = field(default_factory=dict)
    max_length: int = 200

    @functools.cached_property
    def by_code(self) -> dict[str, OptionSpec]:
        return {o.code: o for o in self.options}

    def lits(self) -> list[Lit]:
        if self.kind == NUMERIC:
            return [(self.code, str(v)) for v in self.values]
        if self.kind == TEXT:
            return []
        return [(self.code, o.code) for o in self.options]


@dataclass(frozen=True)
class RuleSpec:
    kind: str
    when: tuple[Lit, ...] = ()
    then: tuple[Lit, ...] = ()
    group: str = ""
    k: int = 0
    low: int | None = None
    high: int | None = None
    attribute: str = ""
    limit: int = 0
    message: str = ""
    id: int = 0


@dataclass(frozen=True, eq=False)  # hashed by identity: the solver caches a model per Spec
class Spec:
    groups: tuple[GroupSpec, ...]
    rules: tuple[RuleSpec, ...] = ()
    base_price: Decimal = Decimal("0.00")
    lead_days: int = 0
    # Names this product version in the shared cache ("" for a spec built in code: no caching).
    cache_key: str = ""

    @functools.cached_property
    def by_code(self) -> dict[str, GroupSpec]:
        return {g.code: g for g in self.groups}

    @functools.cached_property
    def all_lits(self) -> list[Lit]:
        return [lit for g in self.groups for lit in g.lits()]

    def counted(self, rule: RuleSpec) -> list[Lit]:
        """The literals an at-most/at-least rule counts: its `then` plus its group's."""
        lits = list(rule.then)
        if rule.group and rule.group in self.by_code:
            lits += [lit for lit in self.by_code[rule.group].lits() if lit not in lits]
        return lits

    def label(self, lit: Lit) -> str:
        group = self.by_code[lit[0]]
        if group.kind == NUMERIC:
            return f"{group.name} {lit[1]}{(' ' + group.unit) if group.unit else ''}"
        option = group.by_code.get(lit[1])
        return option.name if option else lit[1]

    def contribution(self, lit: Lit, attribute: str) -> int:
        group = self.by_code[lit[0]]
        if group.kind == NUMERIC:
            return int(lit[1]) * int(group.totals_per_unit.get(attribute, 0))
        option = group.by_code.get(lit[1])
        return int(option.totals.get(attribute, 0)) if option else 0


class ChoiceError(ValueError):
    """A choice that does not fit the product's groups (unknown group or option, a number out
    of range or off its step, text too long). The message is safe to show."""


def normalise(spec: Spec, choice: Choice) -> dict[str, Any]:
    """A choice from a form or a cart checked against the groups' shapes (not the rules).

    Unknown groups and options, out-of-range or off-step numbers, several options in a single
    group and over-long text raise `ChoiceError`; empty answers are dropped.
    """
    from django.utils.translation import gettext as _

    clean: dict[str, Any] = {}
    for code, raw in choice.items():
        group = spec.by_code.get(str(code))
        if group is None:
            raise ChoiceError(_("That option is not part of this product."))
        if group.kind == SINGLE:
            if isinstance(raw, list):
                if len(raw) > 1:
                    raise ChoiceError(_("Choose one option for %(g)s.") % {"g": group.name})
                raw = raw[0] if raw else ""
            value = str(raw or "")
            if not value:
                continue
            if value not in group.by_code:
                raise ChoiceError(_("That option is not part of this product."))
            clean[group.code] = value
        elif group.kind == MULTIPLE:
            values = raw if isinstance(raw, list) else ([raw] if raw else [])
            codes = sorted({str(v) for v in values if v})
            if any(c not in group.by_code for c in codes):
                raise ChoiceError(_("That option is not part of this product."))
            if codes:
                clean[group.code] = codes
        elif group.kind == NUMERIC:
            if raw in (None, "", []):
                continue
            if isinstance(raw, list):
                raw = raw[0]
            try:
                number = int(str(raw).strip())
            except ValueError as exc:
                raise ChoiceError(_("Enter a whole number for %(g)s.") % {"g": group.name}) from exc
            if number not in group.values:
                raise ChoiceError(
                    _("%(g)s must be from %(lo)s to %(hi)s in steps of %(step)s.")
                    % {
                        "g": group.name,
                        "lo": group.values[0] if group.values else "?",
                        "hi": group.values[-1] if group.values else "?",
                        "step": (group.values[1] - group.values[0]) if len(group.values) > 1 else 1,
                    }
                )
            clean[group.code] = number
        else:
            text = str(raw[0] if isinstance(raw, list) and raw else raw or "").strip()
            if len(text) > group.max_length:
                raise ChoiceError(
                    _("%(g)s: at most %(n)d characters.") % {"g": group.name, "n": group.max_length}
                )
            if text:
                clean[group.code] = text
    return clean


def picks(spec: Spec, choice: Choice) -> set[Lit]:
    """The literals a (normalised) choice sets true."""
    out: set[Lit] = set()
    for code, value in choice.items():
        group = spec.by_code.get(code)
        if group is None or group.kind == TEXT:
            continue
        if group.kind == MULTIPLE:
            out.update((code, str(v)) for v in value)
        else:
            out.add((code, str(value)))
    return out


def choice_from_lits(spec: Spec, lits: Iterable[Lit], text: Choice | None = None) -> dict[str, Any]:
    """The choice dict for a set of true literals (free text copied from `text`)."""
    chosen = set(lits)
    choice: dict[str, Any] = {}
    for group in spec.groups:
        mine = [lit for lit in group.lits() if lit in chosen]
        if group.kind == TEXT:
            if text and text.get(group.code):
                choice[group.code] = text[group.code]
        elif group.kind == MULTIPLE:
            if mine:
                choice[group.code] = sorted(key for _g, key in mine)
        elif mine:
            key = mine[0][1]
            choice[group.code] = int(key) if group.kind == NUMERIC else key
    return choice


def missing_groups(spec: Spec, choice: Choice) -> list[GroupSpec]:
    """Required groups (not free text) with nothing chosen."""
    return [g for g in spec.groups if g.required and g.kind != TEXT and not choice.get(g.code)]


def violated_rules(spec: Spec, chosen: set[Lit]) -> list[RuleSpec]:
    """The rules a complete assignment (the set of true literals) breaks. The reference meaning
    of each rule kind, shared by validation and the tests of the solver."""
    return [rule for rule in spec.rules if not rule_holds(spec, rule, chosen)]


def rule_holds(spec: Spec, rule: RuleSpec, chosen: Set[Lit]) -> bool:
    """Whether a complete assignment (the set of true literals) keeps one rule: the reference
    meaning of each rule kind."""
    applies = all(w in chosen for w in rule.when)
    if rule.kind == REQUIRES:
        return not applies or any(t in chosen for t in rule.then)
    if rule.kind == EXCLUDES:
        return not (any(w in chosen for w in rule.when) and any(t in chosen for t in rule.then))
    if rule.kind == AT_MOST:
        return not applies or sum(lit in chosen for lit in spec.counted(rule)) <= rule.k
    if rule.kind == AT_LEAST:
        return not applies or sum(lit in chosen for lit in spec.counted(rule)) >= rule.k
    if rule.kind == RANGE:
        values = [int(key) for g, key in chosen if g == rule.group]
        return not applies or all(_in_range(v, rule) for v in values)
    if rule.kind == TOTAL:
        total = sum(spec.contribution(lit, rule.attribute) for lit in chosen)
        return not applies or total <= rule.limit
    return False  # an unknown kind never passes silently


def shape_ok(spec: Spec, chosen: set[Lit]) -> bool:
    """Every group's own rule: one option (or value) in a required single/numeric group, at most
    one in an optional one, at least one in a required multiple-choice group."""
    for group in spec.groups:
        if group.kind == TEXT:
            continue
        n = sum(lit in chosen for lit in group.lits())
        if group.kind == MULTIPLE:
            if group.required and n < 1:
                return False
        elif n > 1 or (group.required and n != 1):
            return False
    return True


def _in_range(value: int, rule: RuleSpec) -> bool:
    return (rule.low is None or value >= rule.low) and (rule.high is None or value <= rule.high)


def price_of(spec: Spec, choice: Choice) -> Decimal:
    """The options' price difference for a choice (added to the product's unit price)."""
    delta = Decimal("0.00")
    for group in spec.groups:
        value = choice.get(group.code)
        if value in (None, "", []):
            continue
        if group.kind == SINGLE:
            delta += group.by_code[value].price
        elif group.kind == MULTIPLE:
            delta += sum((group.by_code[v].price for v in value), Decimal("0.00"))
        elif group.kind == NUMERIC and group.values:
            delta += group.price_per_unit * (int(value) - group.values[0])
    return delta


def chosen_options(spec: Spec, choice: Choice) -> list[OptionSpec]:
    out: list[OptionSpec] = []
    for group in spec.groups:
        value = choice.get(group.code)
        if group.kind == SINGLE and value:
            out.append(group.by_code[value])
        elif group.kind == MULTIPLE and value:
            out.extend(group.by_code[v] for v in value)
    return out


def describe(spec: Spec, choice: Choice) -> list[tuple[str, str]]:
    """(group name, chosen value) pairs in group order: what an order line, a receipt and the
    staff order page print."""
    out = []
    for group in spec.groups:
        value = choice.get(group.code)
        if value in (None, "", []):
            continue
        if group.kind == SINGLE:
            shown = group.by_code[value].name
        elif group.kind == MULTIPLE:
            shown = ", ".join(group.by_code[v].name for v in value)
        elif group.kind == NUMERIC:
            shown = f"{value}{(' ' + group.unit) if group.unit else ''}"
        else:
            shown = str(value)
        out.append((group.name, shown))
    return out
