"""`{{ amount|money }}` or `{{ amount|money:order.currency }}`: an amount of money as people write
it in the active language, with its currency (`core.money.format_money`)."""

from decimal import Decimal

from django import template

from rapport.core.money import format_money

register = template.Library()


@register.filter(name="money")
def money(amount: Decimal | None, currency: str | None = None) -> str:
    return "" if amount is None or amount == "" else format_money(amount, currency or None)
