"""Reads: a product's configurator as a `Spec`, and the state of the configurator page."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from rapport.catalog.models import Product
from rapport.configurator import explain, solver
from rapport.configurator.models import ConfigurableProduct, Freedom, GroupKind, Rule
from rapport.configurator.spec import (
    NUMERIC,
    SINGLE,
    Choice,
    GroupSpec,
    Lit,
    OptionSpec,
    RuleSpec,
    Spec,
    describe,
    missing_groups,
    picks,
    price_of,
    shape_ok,
    violated_rules,
)

_specs: dict[tuple[int, int, Any], Spec] = {}
_specs_lock = threading.Lock()


def configurable_for(product: Product) -> ConfigurableProduct | None:
    """The product's configurator settings, or None for an ordinary product."""
    return ConfigurableProduct.objects.filter(product=product).first()


def load_spec(configurable: ConfigurableProduct) -> Spec:
    """The configurator as plain data, read once per process and version (staff edits bump the
    version, so a changed product is read again)."""
    key = (configurable.pk, configurable.version, configurable.updated_at)
    spec = _specs.get(key)
    if spec is not None:
        return spec
    # The shared cache's name for this version (the edit time too: a refused, rolled-back edit
    # may have used the next version number).
    cache_key = f"{configurable.pk}-{configurable.version}-{configurable.updated_at.isoformat()}"
    spec = _read_spec(configurable, cache_key=cache_key)
    with _specs_lock:
        if len(_specs) > 256:
            _specs.clear()
        _specs[key] = spec
    return spec


def _read_spec(configurable: ConfigurableProduct, cache_key: str = "") -> Spec:
    groups = list(configurable.groups.prefetch_related("options"))
    lit_of: dict[int, Lit] = {}
    group_specs = []
    for group in groups:
        options = tuple(
            OptionSpec(
                code=o.code,
                name=o.name,
                price=o.price_delta,
                lead_days=o.lead_days,
                component_id=o.component_id,
                component_quantity=o.component_quantity,
                totals={str(k): int(v) for k, v in (o.totals or {}).items()},
            )
            for o in group.options.all()
        )
        for o in group.options.all():
            lit_of[o.pk] = (group.code, o.code)
        group_specs.append(
            GroupSpec(
                code=group.code,
                name=group.name,
                kind=group.kind,
                required=group.required or group.kind == GroupKind.NUMERIC,
                options=options if group.kind in (GroupKind.SINGLE, GroupKind.MULTIPLE) else (),
                values=tuple(group.values()),
                unit=group.unit,
                price_per_unit=group.price_per_unit,
                totals_per_unit={str(k): int(v) for k, v in (group.totals_per_unit or {}).items()},
                max_length=group.max_length,
            )
        )
    group_code = {g.pk: g.code for g in groups}
    rules = []
    for rule in Rule.objects.filter(configurable=configurable).prefetch_related("when", "then"):
        rules.append(
            RuleSpec(
                id=rule.pk,
                kind=rule.kind,
                when=tuple(lit_of[o.pk] for o in rule.when.all() if o.pk in lit_of),
                then=tuple(lit_of[o.pk] for o in rule.then.all() if o.pk in lit_of),
                group=group_code.get(rule.group_id or 0, ""),
                k=rule.k or 0,
                low=rule.low,
                high=rule.high,
                attribute=rule.attribute,
                limit=rule.limit or 0,
                message=rule.message,
            )
        )
    product = configurable.product
    return Spec(
        groups=tuple(group_specs),
        rules=tuple(rules),
        base_price=product.price or Decimal("0.00"),
        lead_days=configurable.lead_days,
        cache_key=cache_key,
    )


@dataclass
class OptionState:
    key: str
    name: str
    price: Decimal
    chosen: bool
    possible: bool
    reason: str = ""


@dataclass
class GroupState:
    code: str
    name: str
    kind: str
    required: bool
    options: list[OptionState] = field(default_factory=list)
    value: Any = None
    unit: str = ""
    max_length: int = 200


@dataclass
class PageState:
    groups: list[GroupState]
    price: Decimal
    delta: Decimal
    complete: bool
    valid: bool
    conflicts: list[str]
    missing: list[str]
    summary: list[tuple[str, str]]
    picked: list[str] = field(default_factory=list)  # codes of the groups with a choice


def page_state(spec: Spec, choice: Choice, *, options: bool = True) -> PageState:
    """Everything the configurator page shows for a (normalised) choice: per option whether it
    is still possible and why not, the price so far, conflicts and what is still missing.
    `options=False` leaves out the options (no solver call; `groups` is then empty): for a
    page whose option panel is already rendered for this product version and choice."""
    chosen = picks(spec, choice)
    groups = option_states(spec, choice) if options else []
    broken = violated_rules(spec, chosen)
    missing = missing_groups(spec, choice)
    complete = not missing
    delta = price_of(spec, choice)
    return PageState(
        groups=groups,
        price=spec.base_price + delta,
        delta=delta,
        complete=complete,
        valid=complete and not broken and shape_ok(spec, chosen),
        conflicts=[explain.sentence(spec, r) for r in broken if _decided(r, chosen, spec)],
        missing=[g.name for g in missing],
        summary=describe(spec, choice),
        picked=[g.code for g in spec.groups if choice.get(g.code)],
    )


def option_states(spec: Spec, choice: Choice) -> list[GroupState]:
    """Per group, its options for a (normalised) choice: chosen, still possible (the solver's
    answer), and why not."""
    possible = solver.possible_literals(spec, choice)
    chosen = picks(spec, choice)
    groups = []
    for group in spec.groups:
        state = GroupState(
            code=group.code,
            name=group.name,
            kind=group.kind,
            required=group.required,
            value=choice.get(group.code),
            unit=group.unit,
            max_length=group.max_length,
        )
        fixed = (
            {lit for lit in chosen if lit[0] != group.code}
            if group.kind in (SINGLE, NUMERIC)
            else chosen
        )
        for lit in group.lits():
            ok = possible.get(lit, False)
            state.options.append(
                OptionState(
                    key=lit[1],
                    name=spec.label(lit) if group.kind != NUMERIC else lit[1],
                    price=option_price(group, lit),
                    chosen=lit in chosen,
                    possible=ok,
                    reason="" if ok else explain.reason(spec, lit, fixed),
                )
            )
        groups.append(state)
    return groups


def _decided(rule: RuleSpec, chosen: set[Lit], spec: Spec) -> bool:
    """Whether a broken rule is already a conflict among the picks (a requirement or a minimum
    still open is not a conflict yet)."""
    from rapport.configurator.spec import AT_LEAST, REQUIRES

    if rule.kind == AT_LEAST:
        return False
    if rule.kind == REQUIRES:
        decided = {g for g, _k in chosen}
        return all(t[0] in decided for t in rule.then)
    return True


def option_price(group: GroupSpec, lit: Lit) -> Decimal:
    """What an option (or a numeric value, above the group's first) adds to the price."""
    if group.kind == NUMERIC:
        if not group.values:
            return Decimal("0.00")
        return group.price_per_unit * (int(lit[1]) - group.values[0])
    return group.by_code[lit[1]].price


def freedom_message(freedom: str) -> str:
    if freedom == Freedom.NONE:
        return _("This product is sold in fixed configurations only.")
    if freedom == Freedom.PRESETS:
        return _("Choose one of the ready-made configurations.")
    return ""


def configurable_product_ids(product_ids: list[int]) -> set[int]:
    """Which of these products are configurable (one query)."""
    return set(
        ConfigurableProduct.objects.filter(product_id__in=product_ids).values_list(
            "product_id", flat=True
        )
    )
