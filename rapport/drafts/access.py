"""Who may see which draft order. Every view, API endpoint and sync op fetches drafts here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from rapport.accounts.roles import is_employee
from rapport.drafts.models import DraftOrder


def drafts_visible_to(user: Any) -> QuerySet[DraftOrder]:
    """Staff see every draft (like every order); a customer the drafts for their own record;
    anyone else none."""
    if is_employee(user):
        return DraftOrder.objects.all()
    if getattr(user, "is_authenticated", False) and not user.is_staff:
        return DraftOrder.objects.filter(customer__user=user)
    return DraftOrder.objects.none()


def get_draft_for(user: Any, public_id: Any) -> DraftOrder:
    """The draft with this public id if `user` may see it; Http404 otherwise (another
    customer's draft looks exactly like one that does not exist)."""
    try:
        return (
            drafts_visible_to(user)
            .select_related("customer", "created_by", "order")
            .get(public_id=public_id)
        )
    except (ValidationError, DraftOrder.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such draft order") from exc


def draft_exists(public_id: Any) -> bool:
    """Whether any draft has this id (a client must not reuse one it may not see)."""
    try:
        return DraftOrder.objects.filter(public_id=public_id).exists()
    except (ValidationError, ValueError, TypeError):
        return False


def get_draft_for_staff(user: Any, public_id: Any) -> DraftOrder:
    """As `get_draft_for`, for portal pages: Http404 for anyone but employees and managers."""
    if not is_employee(user):
        raise Http404
    return get_draft_for(user, public_id)


def get_draft_for_customer(user: Any, public_id: Any) -> DraftOrder:
    """As `get_draft_for`, for store pages: Http404 for staff (they use the portal)."""
    if is_employee(user):
        raise Http404
    return get_draft_for(user, public_id)
