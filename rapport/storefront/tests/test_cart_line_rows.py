"""`{% cart_line_rows %}` escapes every value with `html.escape` directly: the rows must be the
ones `format_html` would build, whatever a name, a warning or a configuration holds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.template import Context
from django.utils.html import format_html, format_html_join

from rapport.core.money import money_formatter
from rapport.storefront.templatetags import cart_lines

NASTY = "<b>Kite & \"string\"</b> 'n' {braces} {{double}}"


def line(**changes: Any) -> dict[str, Any]:
    base = {
        "product_id": 1,
        "public_id": "3b9841c2-b2c0-42e8-a2a9-baec3b8cfc8e",
        "name": "Lantern",
        "url": "/p/3b9841c2-b2c0-42e8-a2a9-baec3b8cfc8e/lantern/",
        "quantity": 3,
        "list_price": Decimal("2.55"),
        "unit_price": Decimal("2.55"),
        "total": Decimal("7.65"),
        "warnings": [],
        "configuration_key": "",
        "configuration": [],
    }
    return {**base, **changes}


def reference_rows(context: Context, lines: list[dict[str, Any]]) -> str:
    """The rows as `format_html` builds them (the tag's earlier code)."""
    row = cart_lines._with_constants(
        csrf=cart_lines.CsrfTokenNode().render(context),
        update_url=cart_lines.store_urls()["cart_update"],
        update_label="Update",
        one_less="One less",
        one_more="One more",
        quantity_label="Quantity",
        remove_label="Remove",
    )
    money = money_formatter()
    return "    ".join(
        format_html(
            row,
            flagged=" flagged" if lv["warnings"] else "",
            url=lv["url"],
            name=lv["name"],
            warnings=format_html_join("", cart_lines.WARNING, ((w,) for w in lv["warnings"])),
            was=format_html(cart_lines.WAS, money(lv["list_price"]))
            if lv["unit_price"] < lv["list_price"]
            else "",
            unit_price=money(lv["unit_price"]),
            public_id=lv["public_id"],
            form_suffix=f"-{lv['configuration_key']}" if lv["configuration_key"] else "",
            configuration_key=lv["configuration_key"],
            configuration=format_html(
                cart_lines.CONFIGURATION,
                format_html_join("", cart_lines.CHOICE, lv["configuration"]),
            )
            if lv["configuration"]
            else "",
            quantity=str(lv["quantity"]),
            total=money(lv["total"]),
        )
        for lv in lines
    )


class View:
    def __init__(self, lines: list[dict[str, Any]]) -> None:
        self.lines = lines


def test_rows_are_what_format_html_builds_for_any_text(db):
    lines = [
        line(),
        line(name=NASTY, url="/p/x/?a=1&b=<2>", warnings=[NASTY, "Only 2 left"]),
        line(
            list_price=Decimal("1234.50"),
            unit_price=Decimal("999.99"),
            configuration_key="k&<1>",
            configuration=[["Colour", NASTY], ["Size", "<XL>"]],
        ),
    ]
    context = Context({"csrf_token": 'tok"en<'})

    rows = cart_lines.cart_line_rows(context, View(lines))

    assert rows == reference_rows(context, lines)
    assert "<b>Kite" not in rows and "&lt;b&gt;Kite &amp; &quot;string&quot;" in rows
    assert "{braces}" in rows and "{{double}}" in rows  # printed as given, not formatted
