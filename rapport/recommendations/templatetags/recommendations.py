"""Template tags that put suggestions on existing pages through one `{% include %}` each."""

from __future__ import annotations

from typing import Any

from django import template

from rapport.recommendations import queries

register = template.Library()


def _customer(context: Any) -> Any:
    request = context.get("request")
    return queries.customer_for_user(getattr(request, "user", None))


@register.simple_tag(takes_context=True)
def product_suggestions(context: Any, product: Any, limit: int = 4) -> list[queries.Suggestion]:
    return queries.for_product(product, customer=_customer(context), limit=limit)


@register.simple_tag(takes_context=True)
def cart_suggestions(context: Any, view: Any, limit: int = 4) -> list[queries.Suggestion]:
    if not getattr(view, "lines", None):
        return []
    return queries.for_cart(view, customer=_customer(context), limit=limit)


@register.simple_tag
def order_suggestions(order: Any, limit: int = 4) -> list[queries.Suggestion]:
    return queries.for_order(order, limit=limit)


@register.simple_tag(takes_context=True)
def returning_customer_suggestions(context: Any, limit: int = 4) -> list[queries.Suggestion]:
    return queries.for_returning_customer(_customer(context), limit=limit)
