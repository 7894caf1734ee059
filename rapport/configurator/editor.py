"""Staff edits to a configurator, each refused when it would leave no valid configuration.

Every edit runs in one transaction: apply, bump the version, read the product back as a `Spec`
and ask the solver for one configuration. None found: the transaction is rolled back and the
editor says so. The editor page also lists options no configuration can contain.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.catalog.models import Product
from rapport.configurator import solver
from rapport.configurator.models import (
    ConfigurableProduct,
    Freedom,
    GroupKind,
    Option,
    OptionGroup,
    Preset,
    Rule,
    RuleKind,
)
from rapport.configurator.queries import load_spec
from rapport.configurator.spec import Lit
from rapport.core import audit
from rapport.inventory.services import bump_catalogue_version


class EditError(Exception):
    """An edit that was refused; nothing was written. The message is safe to show."""


def make_configurable(*, product: Product, actor: Any) -> ConfigurableProduct:
    """Give a product a configurator (it is then sold through it: `Product.built_to_order`)."""
    with transaction.atomic():
        configurable, _created = ConfigurableProduct.objects.get_or_create(product=product)
        Product.objects.filter(pk=product.pk).update(built_to_order=True)
        audit.record(
            action="configurator.created", actor=actor, target=product, summary="Configurator on"
        )
        bump_catalogue_version()
    return configurable


def _int(raw: Any, *, blank: int | None = None) -> int | None:
    text = str(raw or "").strip()
    if not text:
        return blank
    try:
        return int(text)
    except ValueError as exc:
        raise EditError(_("Enter whole numbers.")) from exc


def _money(raw: Any) -> Decimal:
    try:
        return Decimal(str(raw or "0").strip()).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise EditError(_("Enter an amount such as 12.50.")) from exc


def _totals(raw: Any) -> dict[str, int]:
    """ "power=65, weight=1200" -> {"power": 65, "weight": 1200}."""
    totals: dict[str, int] = {}
    for part in str(raw or "").split(","):
        if not part.strip():
            continue
        name, _sep, value = part.partition("=")
        number = _int(value)
        if not name.strip() or number is None:
            raise EditError(_("Write totals as name=number, separated by commas."))
        totals[name.strip()] = number
    return totals


def _options(configurable: ConfigurableProduct, raw: Any) -> list[Option]:
    """ "chassis:large, cpu:fast" -> those options of this product (another product's: refused)."""
    found = []
    for part in str(raw or "").split(","):
        if not part.strip():
            continue
        group_code, _sep, code = part.strip().partition(":")
        option = Option.objects.filter(
            group__configurable=configurable, group__code=group_code, code=code
        ).first()
        if option is None:
            raise EditError(_("No option “%(name)s” here.") % {"name": part.strip()})
        found.append(option)
    return found


def _group(configurable: ConfigurableProduct, code: Any) -> OptionGroup | None:
    if not str(code or "").strip():
        return None
    group = OptionGroup.objects.filter(configurable=configurable, code=str(code).strip()).first()
    if group is None:
        raise EditError(_("No option group “%(code)s” here.") % {"code": code})
    return group


def edit(*, configurable: ConfigurableProduct, what: str, data: Any, actor: Any) -> None:
    """Apply one edit from the editor's forms (`what` names the form), or raise `EditError`."""
    with transaction.atomic():
        locked = ConfigurableProduct.objects.select_for_update().get(pk=configurable.pk)
        summary = _apply(locked, what, data)
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
        spec = load_spec(locked)
        if not solver.is_feasible(spec):
            transaction.set_rollback(True)
            raise EditError(
                _("Refused: with this change no configuration would be possible at all.")
            )
        audit.record(
            action="configurator.edited",
            actor=actor,
            target=locked.product,
            summary=summary,
            data={"what": what, "version": locked.version},
        )
    configurable.refresh_from_db()
    # Encoded once for every process, before a shopper's first click pays for it.
    solver.prepare(load_spec(configurable))


def _apply(conf: ConfigurableProduct, what: str, data: Any) -> str:
    get = data.get
    if what == "settings":
        if get("freedom") not in Freedom.values:
            raise EditError(_("Choose a degree of freedom."))
        conf.freedom = get("freedom")
        conf.lead_days = _int(get("lead_days"), blank=0) or 0
        conf.save(update_fields=["freedom", "lead_days"])
        return f"Configurator settings: {conf.freedom}, {conf.lead_days} days"
    if what == "group":
        if get("kind") not in GroupKind.values or not get("code") or not get("name"):
            raise EditError(_("A group needs a code, a name and a kind."))
        if OptionGroup.objects.filter(configurable=conf, code=get("code")).exists():
            raise EditError(_("That code is taken."))
        OptionGroup.objects.create(
            configurable=conf,
            code=str(get("code"))[:40],
            name=str(get("name"))[:120],
            kind=get("kind"),
            required=bool(get("required")),
            position=conf.groups.count() + 1,
            min_value=_int(get("min_value")),
            max_value=_int(get("max_value")),
            step=_int(get("step")),
            unit=str(get("unit") or "")[:20],
            price_per_unit=_money(get("price_per_unit")),
        )
        return f"Option group {get('code')} added"
    if what == "option":
        group = _group(conf, get("group"))
        if group is None or group.kind not in (GroupKind.SINGLE, GroupKind.MULTIPLE):
            raise EditError(_("Options belong to a single- or multiple-choice group."))
        if not get("code") or not get("name"):
            raise EditError(_("An option needs a code and a name."))
        if group.options.filter(code=get("code")).exists():
            raise EditError(_("That code is taken."))
        Option.objects.create(
            group=group,
            code=str(get("code"))[:40],
            name=str(get("name"))[:120],
            position=group.options.count() + 1,
            price_delta=_money(get("price_delta")),
            lead_days=_int(get("lead_days"), blank=0) or 0,
            totals=_totals(get("totals")),
        )
        return f"Option {group.code}:{get('code')} added"
    if what == "rule":
        if get("kind") not in RuleKind.values:
            raise EditError(_("Choose a kind of constraint."))
        rule = Rule.objects.create(
            configurable=conf,
            kind=get("kind"),
            group=_group(conf, get("group")),
            k=_int(get("k")),
            low=_int(get("low")),
            high=_int(get("high")),
            attribute=str(get("attribute") or "")[:40],
            limit=_int(get("limit")),
            message=str(get("message") or "")[:200],
        )
        rule.when.set(_options(conf, get("when")))
        rule.then.set(_options(conf, get("then")))
        return f"Constraint {rule.kind} added"
    if what == "preset":
        try:
            choice = json.loads(str(get("choice") or "{}"))
        except ValueError as exc:
            raise EditError(_('Write the preset as JSON, e.g. {"chassis": "large"}.')) from exc
        if not isinstance(choice, dict) or not get("name"):
            raise EditError(_("A preset needs a name and a choice."))
        Preset.objects.create(configurable=conf, name=str(get("name"))[:120], choice=choice)
        return f"Preset {get('name')} added"
    if what in ("delete_rule", "delete_option", "delete_group", "delete_preset"):
        model = {
            "delete_rule": Rule.objects.filter(configurable=conf),
            "delete_option": Option.objects.filter(group__configurable=conf),
            "delete_group": OptionGroup.objects.filter(configurable=conf),
            "delete_preset": Preset.objects.filter(configurable=conf),
        }[what]
        deleted, _rows = model.filter(pk=_int(get("id")) or 0).delete()
        if not deleted:
            raise EditError(_("Already gone."))
        return f"{what} {get('id')}"
    raise EditError(_("Unknown change."))


def never_possible(configurable: ConfigurableProduct) -> list[str]:
    """Names of the options (and numeric values) no valid configuration can contain."""
    spec = load_spec(configurable)
    if not solver.is_feasible(spec):
        return []
    lits: list[Lit] = solver.never_possible(spec)
    return [f"{spec.by_code[g].name}: {spec.label((g, k))}" for g, k in lits]
