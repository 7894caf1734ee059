"""`{% configurator_groups spec choice limited freedom %}`: the configurator panel's option groups.

Built in Python, as `cart_lines` builds the cart's rows, because the panel prints every option
of the product (200 on the benchmark's 20 x 10 product) and the template engine spent about
0.15 ms an option on it: half the CPU of an htmx click (issue 21, docs/performance.md). What
does not change between clicks (each option's escaped name, price and form attributes, the
group headings) is built once per product version and language; a click only adds each
option's state. The finished groups are kept in the shared cache per product version, choice
and language, beside the solver's answers, so a choice seen before costs neither the solver nor
the explanations nor the rendering.

The markup is the one `_panel.html` had: `label.option[data-option]` with a radio or checkbox
per option (`impossible` / `chosen` classes and a `span.reason`), a `select` for numbers, a
text field for free text.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

from django import template
from django.core.cache import cache as shared_cache
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from rapport.configurator.queries import GroupState, option_price, option_states
from rapport.configurator.solver import POSSIBLE_CACHE_SECONDS
from rapport.configurator.spec import MULTIPLE, NUMERIC, TEXT, Choice, Spec
from rapport.core.money import money_formatter

register = template.Library()


@dataclass(frozen=True)
class _Option:
    """One option's markup around its state (escaped once per product version and language)."""

    key: str  # escaped
    label_tail: str  # after the input: name and price
    select_text: str  # a number's text in the select: value, unit and price


@dataclass(frozen=True)
class _Group:
    head: str
    code: str  # escaped
    name: str  # escaped
    kind: str
    input_type: str
    options: dict[str, _Option]


@functools.lru_cache(maxsize=64)
def _static(spec: Spec, language: str) -> dict[str, _Group]:
    """The parts of every group's markup that only the product version and language decide.
    (`language` is part of the key: the active one is what `_` and the money format use.)"""
    money = money_formatter()
    optional = ' <span class="meta">({})</span>'.format(escape(_("optional")))
    out: dict[str, _Group] = {}
    for group in spec.groups:
        code, name = escape(group.code), escape(group.name)
        unit = escape(group.unit)
        options: dict[str, _Option] = {}
        for state in _option_names(spec, group.code):
            key, label, price = state
            shown_price = money(price) if price else ""
            options[key] = _Option(
                key=escape(key),
                label_tail=escape(label)
                + (f' <span class="price">+{escape(shown_price)}</span>' if price else ""),
                select_text=f"{escape(label)} {unit}"
                + (f" (+{escape(shown_price)})" if price else ""),
            )
        out[group.code] = _Group(
            head=(
                f'\n  <fieldset class="configurator-group" data-group="{code}">\n'
                f"    <legend>{name}{'' if group.required else optional}</legend>\n"
            ),
            code=code,
            name=name,
            kind=group.kind,
            input_type="checkbox" if group.kind == MULTIPLE else "radio",
            options=options,
        )
    return out


def _option_names(spec: Spec, code: str) -> list[tuple[str, str, Any]]:
    """(key, label, price) per option of a group, as the page state names them."""
    group = spec.by_code[code]
    return [
        (lit[1], lit[1] if group.kind == NUMERIC else spec.label(lit), option_price(group, lit))
        for lit in group.lits()
    ]


def _render(spec: Spec, groups: list[GroupState], limited: bool, freedom: str) -> str:
    static = _static(spec, get_language() or "")
    parts: list[str] = []
    for group in groups:
        if limited and not (group.kind == TEXT and freedom == "presets"):
            continue
        fixed = static[group.code]
        parts.append(fixed.head)
        if group.kind == TEXT:
            parts.append(
                f'      <input type="text" name="g-{fixed.code}"'
                f' value="{escape(group.value or "")}" maxlength="{group.max_length}"'
                f' aria-label="{fixed.name}">\n'
            )
        elif group.kind == NUMERIC:
            parts.append(
                f'      <select name="g-{fixed.code}" aria-label="{fixed.name}"'
                f' data-group-code="{fixed.code}">\n'
                f'        <option value="">{escape(_("Choose…"))}</option>\n        '
            )
            for o in group.options:
                one = fixed.options[o.key]
                parts.append(
                    f'<option value="{one.key}"{" selected" if o.chosen else ""}'
                    f"{'' if o.possible else ' class=' + chr(34) + 'impossible' + chr(34)}>"
                    f"{one.select_text}{'' if o.possible else ' — ' + escape(o.reason)}</option>"
                )
            parts.append("\n      </select>\n")
        else:
            for o in group.options:
                one = fixed.options[o.key]
                classes = ("" if o.possible else " impossible") + (" chosen" if o.chosen else "")
                reason = "" if o.possible else f'<span class="reason">{escape(o.reason)}</span>'
                parts.append(
                    f'      <label class="option{classes}" data-option="{fixed.code}-{one.key}">\n'
                    f'        <input type="{fixed.input_type}" name="g-{fixed.code}"'
                    f' value="{one.key}"{" checked" if o.chosen else ""}'
                    f' data-group-code="{fixed.code}">\n'
                    f"        {one.label_tail}\n"
                    f"        {reason}\n"
                    "      </label>\n"
                )
        parts.append("  </fieldset>\n")
    return "".join(parts)


def _key(spec: Spec, choice: Choice, limited: bool, freedom: str) -> str:
    question = repr((sorted(choice.items()), limited, freedom)).encode()
    digest = hashlib.sha256(question).hexdigest()
    return f"configurator:groups:{spec.cache_key}:{get_language()}:{digest}"


@register.simple_tag
def configurator_groups(spec: Spec, choice: Choice, limited: bool, freedom: str) -> SafeString:
    """The option groups of the configurator panel for a (normalised) choice, from the shared
    cache when this product version, choice and language were rendered before."""
    key = _key(spec, choice, bool(limited), freedom) if spec.cache_key else ""
    if key:
        cached = shared_cache.get(key)
        if isinstance(cached, str):
            return mark_safe(cached)  # noqa: S308 (built below from escaped parts)
    html = _render(spec, option_states(spec, choice), bool(limited), freedom)
    if key:
        shared_cache.set(key, html, POSSIBLE_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 (every value above is escaped)
