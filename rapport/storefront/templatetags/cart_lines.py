"""`{% cart_line_rows view %}`: the cart table's rows, one per line, each with its quantity form.

Built in Python with `format_html`, as Django admin builds its change-list rows
(`admin_list.items_for_result`), because the cart page is the storefront's busiest page per
visitor (every add to cart lands on it) and the template engine spent about 0.3 ms a row on
these fifteen values: 40 % of the whole add-and-view round trip under load (py-spy,
docs/performance.md). Every value is escaped with `html.escape`, what Django's `escape` does
(a test compares the rows with `format_html`'s), called directly: `format_html`'s per-value
checks cost 35 µs a row, a tenth of the add-and-view round trip with ten lines.
"""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from rapport.core.money import money_formatter
from rapport.storefront.context_processors import store_urls

register = template.Library()

# One form per line: the quantity field and its buttons (the first, "Update", is what Enter in
# the field submits); Remove, in the last cell, belongs to it through form="…". With htmx a
# changed field is sent at once; Enter fires both change and submit, and hx-sync drops the
# second request. The quantity prints unlocalised: a number field needs "1000", not "1,000".
ROW = (
    '<tr class="cart-line{flagged}">\n'
    '      <td><a href="{url}">{name}</a>{configuration}\n'
    "        {warnings}</td>\n"
    "      <td>{was}{unit_price}</td>\n"
    '      <td class="qty"><form id="line-{public_id}{form_suffix}" method="post"'
    ' action="{update_url}"'
    ' class="qty-form" hx-post="{update_url}" hx-trigger="submit, change" hx-sync="this:drop"'
    ' hx-target="#cart">{csrf}<input type="hidden" name="product" value="{public_id}">'
    '<input type="hidden" name="configuration" value="{configuration_key}">'
    '<button type="submit" name="action" value="set" class="qty-set">{update_label}</button>'
    '<button type="submit" name="action" value="dec" aria-label="{one_less}">&minus;</button>'
    '<input type="number" name="quantity" value="{quantity}" min="1" max="99" class="qty-value"'
    ' aria-label="{quantity_label}">'
    '<button type="submit" name="action" value="inc" aria-label="{one_more}">+</button>'
    "</form></td>\n"
    '      <td class="line-total">{total}</td>\n'
    '      <td><button type="submit" form="line-{public_id}{form_suffix}" name="action"'
    ' value="remove"'
    ' class="link-button">{remove_label}</button></td>\n'
    "    </tr>\n"
)
WARNING = '<p class="line-warning" role="alert">{}</p>'
# A customer's price-list price: the list price struck through before it.
WAS = '<s class="list-price">{}</s> '
# A configured product's choices under its name (`configurator`).
CONFIGURATION = '<ul class="line-configuration">{}</ul>'
CHOICE = "<li>{}: {}</li>"


@register.simple_tag(takes_context=True)
def cart_line_rows(context: template.Context, view: Any) -> SafeString:
    # What is the same on every row goes into the row's markup once, escaped.
    row = _with_constants(
        csrf=CsrfTokenNode().render(context),  # what {% csrf_token %} prints
        update_url=store_urls()["cart_update"],
        update_label=_("Update"),
        one_less=_("One less"),
        one_more=_("One more"),
        quantity_label=_("Quantity"),
        remove_label=_("Remove"),
    )
    money = money_formatter()
    rows = []
    for lv in view.lines:
        warnings, choices = lv["warnings"], lv["configuration"]
        rows.append(
            row.format(
                flagged=" flagged" if warnings else "",
                url=escape(lv["url"]),
                name=escape(lv["name"]),
                warnings="".join(WARNING.format(escape(w)) for w in warnings),
                was=WAS.format(escape(money(lv["list_price"])))
                if lv["unit_price"] < lv["list_price"]
                else "",
                unit_price=escape(money(lv["unit_price"])),
                public_id=escape(lv["public_id"]),
                form_suffix=escape(f"-{lv['configuration_key']}")
                if lv["configuration_key"]
                else "",
                configuration_key=escape(lv["configuration_key"]),
                configuration=CONFIGURATION.format(
                    "".join(CHOICE.format(escape(group), escape(value)) for group, value in choices)
                )
                if choices
                else "",
                quantity=str(lv["quantity"]),
                total=escape(money(lv["total"])),
            )
        )
    return mark_safe("    ".join(rows))  # noqa: S308 (every value in it is escaped)


def _with_constants(**constants: Any) -> str:
    """`ROW` with these values filled in, escaped (braces doubled: it is formatted again)."""
    safe = {
        name: str(conditional_escape(value)).replace("{", "{{").replace("}", "}}")
        for name, value in constants.items()
    }
    return ROW.format_map(_KeepOthers(safe))


class _KeepOthers(dict[str, str]):
    def __missing__(self, name: str) -> str:
        return "{" + name + "}"
