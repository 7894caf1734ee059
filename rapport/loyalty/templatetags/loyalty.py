"""`{% points_summary customer %}`: a customer's points balance and latest movements (two
queries), for the customer 360° page in the portal."""

from __future__ import annotations

from typing import Any

from django import template

from rapport.loyalty.queries import balance_of, history_of

register = template.Library()


@register.inclusion_tag("loyalty/_history.html")
def points_summary(customer: Any, limit: int = 10) -> dict[str, Any]:
    return {"balance": balance_of(customer), "entries": history_of(customer, limit=limit)}
