"""Why an option is disabled, in words a customer understands ("needs the large chassis").

The solver proves an option impossible; this module names the rule that blocks it, by looking
at the rules the option and the customer's picks already break or cannot satisfy. A rule's own
message wins over the generated sentence.
"""

from __future__ import annotations

import functools

from django.utils.translation import gettext as _

from rapport.configurator.spec import (
    AT_LEAST,
    AT_MOST,
    EXCLUDES,
    RANGE,
    REQUIRES,
    TOTAL,
    Lit,
    RuleSpec,
    Spec,
)


def _names(spec: Spec, lits: tuple[Lit, ...] | list[Lit]) -> str:
    return _(" or ").join(spec.label(lit) for lit in lits)


def sentence(spec: Spec, rule: RuleSpec) -> str:
    """The rule in one short sentence."""
    if rule.message:
        return rule.message
    if rule.kind == REQUIRES:
        return _("Needs %(then)s") % {"then": _names(spec, rule.then)}
    if rule.kind == EXCLUDES:
        return _("Not available with %(other)s") % {"other": _names(spec, rule.then)}
    if rule.kind in (AT_MOST, AT_LEAST):
        what = spec.by_code[rule.group].name if rule.group in spec.by_code else _("these options")
        if rule.kind == AT_MOST:
            return _("At most %(k)d of %(what)s") % {"k": rule.k, "what": what}
        return _("At least %(k)d of %(what)s") % {"k": rule.k, "what": what}
    if rule.kind == RANGE:
        group = spec.by_code.get(rule.group)
        text = _("%(g)s from %(lo)s to %(hi)s") % {
            "g": group.name if group else rule.group,
            "lo": rule.low if rule.low is not None else "…",
            "hi": rule.high if rule.high is not None else "…",
        }
        if rule.when:
            text += " " + _("with %(when)s") % {"when": _names(spec, rule.when)}
        return text
    if rule.kind == TOTAL:
        return _("Over the %(what)s limit of %(limit)d") % {
            "what": rule.attribute,
            "limit": rule.limit,
        }
    return _("Not possible with your other choices")


@functools.lru_cache(maxsize=64)
def _rules_about(spec: Spec) -> dict[Lit, tuple[RuleSpec, ...]]:
    """Per literal, in the product's order, the rules `blocking_rule` can name for it: those
    that mention it, its group's ranges, and the totals it adds to (built once per version:
    the configurator page asks about every disabled option)."""
    about: dict[Lit, tuple[RuleSpec, ...]] = {}
    for lit in spec.all_lits:
        about[lit] = tuple(
            rule
            for rule in spec.rules
            if lit in rule.when
            or (rule.kind in (EXCLUDES, REQUIRES) and lit in rule.then)
            or (rule.kind == AT_MOST and lit in spec.counted(rule))
            or (rule.kind == RANGE and lit[0] == rule.group)
            or (rule.kind == TOTAL and spec.contribution(lit, rule.attribute) > 0)
        )
    return about


def blocking_rule(spec: Spec, lit: Lit, fixed: set[Lit]) -> RuleSpec | None:
    """A rule that `lit` breaks together with the `fixed` picks, judged on what is decided:
    the first one found, preferring a direct conflict over a requirement that cannot be met."""
    chosen = fixed | {lit}
    decided_groups = {g for g, _key in chosen}
    about = _rules_about(spec).get(lit)
    rules = spec.rules if about is None else about
    for rule in rules:
        if rule.kind == EXCLUDES:
            mine = lit in rule.when or lit in rule.then
            if mine and any(w in chosen for w in rule.when) and any(t in chosen for t in rule.then):
                return _flip(rule, lit)
        elif rule.kind == AT_MOST and all(w in chosen for w in rule.when):
            counted = spec.counted(rule)
            if lit in counted and sum(c in chosen for c in counted) > rule.k:
                return rule
        elif rule.kind == RANGE and all(w in chosen for w in rule.when):
            values = [int(key) for g, key in chosen if g == rule.group]
            if (lit[0] == rule.group or lit in rule.when) and any(
                (rule.low is not None and v < rule.low) or (rule.high is not None and v > rule.high)
                for v in values
            ):
                return rule
        elif rule.kind == TOTAL and all(w in chosen for w in rule.when):
            if spec.contribution(lit, rule.attribute) > 0:
                total = sum(spec.contribution(c, rule.attribute) for c in chosen)
                if total > rule.limit:
                    return rule
        elif (
            rule.kind == REQUIRES
            and lit in rule.when
            and all(w in chosen for w in rule.when)
            and rule.then
            # Every option it needs sits in a group already decided otherwise.
            and all(
                t not in chosen and t[0] in decided_groups and t[0] != lit[0] for t in rule.then
            )
        ):
            return rule
    for rule in rules:
        if rule.kind == REQUIRES and lit in rule.when:
            return rule
    return None


def _flip(rule: RuleSpec, lit: Lit) -> RuleSpec:
    """An exclusion read from `lit`'s side: "not available with <the other one>"."""
    if lit in rule.then and not rule.message:
        return RuleSpec(kind=rule.kind, when=rule.then, then=rule.when, id=rule.id)
    return rule


def reason(spec: Spec, lit: Lit, fixed: set[Lit], *, never: bool = False) -> str:
    """Why `lit` cannot be chosen with the `fixed` picks."""
    if never:
        return _("Not available in any configuration")
    rule = blocking_rule(spec, lit, fixed)
    if rule is None:
        return _("Not possible with your other choices")
    return sentence(spec, rule)
