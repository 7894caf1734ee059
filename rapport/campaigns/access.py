"""The only ways interface code fetches campaigns and occasions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404

from rapport.accounts.roles import is_employee, is_manager
from rapport.campaigns.models import Campaign, Occasion
from rapport.customers.access import get_own_customer


def get_campaign_for_manager(user: Any, public_id: Any) -> Campaign:
    """A campaign for a manager; Http404 for anyone else."""
    if not is_manager(user):
        raise Http404
    try:
        return Campaign.objects.select_related("segment").get(public_id=public_id)
    except (ValidationError, Campaign.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such campaign") from exc


def get_own_occasion(user: Any, public_id: Any) -> Occasion:
    """One of the signed-in customer's own occasions; Http404 for anything else."""
    customer = get_own_customer(user)
    try:
        return Occasion.objects.select_related("customer").get(
            public_id=public_id, customer=customer
        )
    except (ValidationError, Occasion.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such occasion") from exc


def get_occasion_for_staff(user: Any, public_id: Any) -> Occasion:
    """Any customer's occasion, for employees; Http404 for anyone else."""
    if not is_employee(user):
        raise Http404
    try:
        return Occasion.objects.select_related("customer").get(public_id=public_id)
    except (ValidationError, Occasion.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such occasion") from exc
