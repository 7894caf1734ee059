"""The one way interface code fetches price lists and their items: managers only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404

from rapport.accounts.roles import is_manager
from rapport.pricing.models import PriceList, PriceListItem


def get_price_list_for(user: Any, public_id: Any) -> PriceList:
    """The list with this public id for a manager; Http404 for anyone else or no such list."""
    if not is_manager(user):
        raise Http404
    try:
        return PriceList.objects.select_related("segment").get(public_id=public_id)
    except (ValidationError, PriceList.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such price list") from exc


def get_item_for(user: Any, price_list: PriceList, item_id: Any) -> PriceListItem:
    """An item of `price_list` (never another list's) for a manager; Http404 otherwise."""
    if not is_manager(user):
        raise Http404
    try:
        return PriceListItem.objects.select_related("product").get(
            pk=int(item_id), price_list=price_list
        )
    except (PriceListItem.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such price") from exc
