"""Who may see which quote. Every view and API endpoint fetches quotes only through here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from rapport.accounts.roles import is_employee, is_manager
from rapport.quotes.models import Quote, QuoteStatus


def quotes_visible_to(user: Any) -> QuerySet[Quote]:
    """Managers see every quote, an employee the quotes they own, a customer their own quotes
    once sent (drafts are the shop's business), anyone else none."""
    if is_manager(user):
        return Quote.objects.all()
    if is_employee(user):
        return Quote.objects.filter(owner=user)
    if getattr(user, "is_authenticated", False) and not user.is_staff:
        return Quote.objects.filter(customer__user=user).exclude(status=QuoteStatus.DRAFT)
    return Quote.objects.none()


def get_quote_for(user: Any, public_id: Any) -> Quote:
    """The quote with this public id if `user` may see it; Http404 otherwise (another
    customer's quote looks exactly like one that does not exist)."""
    try:
        return (
            quotes_visible_to(user)
            .select_related("customer", "owner", "order")
            .get(public_id=public_id)
        )
    except (ValidationError, Quote.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such quote") from exc


def get_quote_for_staff(user: Any, public_id: Any) -> Quote:
    """As `get_quote_for`, for portal pages: Http404 for anyone but employees and managers."""
    if not is_employee(user):
        raise Http404
    return get_quote_for(user, public_id)


def get_quote_for_customer(user: Any, public_id: Any) -> Quote:
    """As `get_quote_for`, for store pages: Http404 for staff (they use the portal)."""
    if is_employee(user):
        raise Http404
    return get_quote_for(user, public_id)
