"""Writes and checks: a customer's configuration priced and validated, custom requests stored.

`configure` is the one gate every configuration passes: the configurator page's "add to cart"
and `place_order` (again, under the order's locks) both call it, so a stale or tampered
configuration is refused with a message a customer can act on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from rapport.catalog.models import Product
from rapport.configurator import explain
from rapport.configurator.models import ConfigurableProduct, CustomRequest, Freedom, Preset
from rapport.configurator.queries import load_spec
from rapport.configurator.spec import (
    TEXT,
    Choice,
    ChoiceError,
    Spec,
    chosen_options,
    describe,
    missing_groups,
    normalise,
    picks,
    price_of,
    shape_ok,
    violated_rules,
)
from rapport.core import audit

MAX_REQUEST_LENGTH = 1000


class ConfigurationError(Exception):
    """A configuration that cannot be sold as it is; the message is safe to show."""


@dataclass
class Configured:
    """A valid, priced configuration of one product."""

    choice: dict[str, Any]
    key: str
    delta: Decimal
    lead_days: int
    components: list[tuple[int, int]] = field(default_factory=list)  # (product id, per unit)
    summary: list[tuple[str, str]] = field(default_factory=list)

    def stored(self) -> dict[str, Any]:
        """What a cart line and an order line keep: the choice and its printed summary."""
        return {"choice": self.choice, "summary": [list(pair) for pair in self.summary]}


def configuration_key(choice: Choice) -> str:
    """A short stable name for a choice: two cart lines of one product differ by it."""
    canonical = json.dumps(choice, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _configurable(product: Product) -> ConfigurableProduct:
    configurable = (
        ConfigurableProduct.objects.select_related("product").filter(product=product).first()
    )
    if configurable is None:
        raise ConfigurationError(_("This product has no options to choose."))
    return configurable


def _matches_preset(
    spec: Spec, configurable: ConfigurableProduct, choice: Choice, *, text_ok: bool
) -> bool:
    text_groups = {g.code for g in spec.groups if g.kind == TEXT}
    if not text_ok and any(choice.get(code) for code in text_groups):
        return False
    bare = {k: v for k, v in choice.items() if k not in text_groups}
    for preset in Preset.objects.filter(configurable=configurable):
        try:
            wanted = normalise(spec, preset.choice)
        except ChoiceError:
            continue
        if bare == {k: v for k, v in wanted.items() if k not in text_groups}:
            return True
    return False


def configure(*, product: Product, raw_choice: Choice) -> Configured:
    """Check a complete configuration of `product` and price it, or raise `ConfigurationError`.

    Refused: options of another product or unknown ones, numbers out of range or off their
    step, a missing required choice, any broken rule, and for a product with a limited degree
    of freedom anything but one of its presets. Prices come from the options, never the form.
    """
    configurable = _configurable(product)
    spec = load_spec(configurable)
    try:
        choice = normalise(spec, raw_choice)
    except ChoiceError as exc:
        raise ConfigurationError(str(exc)) from exc
    if configurable.freedom != Freedom.FULL and not _matches_preset(
        spec, configurable, choice, text_ok=configurable.freedom == Freedom.PRESETS
    ):
        raise ConfigurationError(
            _("This product is sold in fixed configurations only: choose one of them.")
        )
    missing = missing_groups(spec, choice)
    if missing:
        raise ConfigurationError(
            _("Choose %(groups)s first.") % {"groups": ", ".join(g.name for g in missing)}
        )
    chosen = picks(spec, choice)
    broken = violated_rules(spec, chosen)
    if broken or not shape_ok(spec, chosen):
        reason = explain.sentence(spec, broken[0]) if broken else ""
        raise ConfigurationError(
            (_("These options do not go together: %(reason)s.") % {"reason": reason})
            if reason
            else _("These options do not go together.")
        )
    options = chosen_options(spec, choice)
    components: dict[int, int] = {}
    for option in options:
        if option.component_id:
            components[option.component_id] = (
                components.get(option.component_id, 0) + option.component_quantity
            )
    return Configured(
        choice=choice,
        key=configuration_key(choice),
        delta=price_of(spec, choice),
        lead_days=spec.lead_days + max((o.lead_days for o in options), default=0),
        components=sorted(components.items()),
        summary=describe(spec, choice),
    )


def configure_for_order(*, product: Product, stored: dict[str, Any]) -> Configured:
    """A cart line's stored configuration checked again at `place_order` (the rules or prices
    may have changed since it was added)."""
    choice = stored.get("choice") if isinstance(stored, dict) else None
    if not isinstance(choice, dict):
        raise ConfigurationError(
            _("The configuration of “%(name)s” is no longer valid: configure it again.")
            % {"name": product.name}
        )
    try:
        return configure(product=product, raw_choice=choice)
    except ConfigurationError as exc:
        raise ConfigurationError(
            _("“%(name)s” can no longer be sold as configured (%(why)s): configure it again.")
            % {"name": product.name, "why": str(exc).rstrip(".")}
        ) from exc


def record_custom_request(
    *, product: Product, text: str, customer: Any, actor: Any, choice: Choice | None = None
) -> CustomRequest:
    """Store a customer's "anything else?" for a product, on their timeline."""
    text = (text or "").strip()
    if not text:
        raise ConfigurationError(_("Tell us what you would like."))
    if len(text) > MAX_REQUEST_LENGTH:
        raise ConfigurationError(_("At most %(n)d characters, please.") % {"n": MAX_REQUEST_LENGTH})
    with transaction.atomic():
        request = CustomRequest.objects.create(
            product=product, customer=customer, text=text, choice=dict(choice or {})
        )
        audit.record(
            action="configurator.custom_request",
            actor=actor,
            target=product,
            customer=customer,
            summary=f"Custom request for {product.name}: {text[:200]}",
            data={"request": request.pk},
        )
    return request
