"""`{{ amount|money }}`: an amount of money as the shop prints it (`core.money.format_money`)."""

from decimal import Decimal

from django import template

from rapport.core.money import format_money

register = template.Library()


@register.filter(name="money")
def money(amount: Decimal | None) -> str:
    return "" if amount is None else format_money(amount)
