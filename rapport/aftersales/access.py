"""Who may see which return or ticket: the customer their own, staff all; 404 otherwise."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from rapport.accounts.roles import is_employee
from rapport.aftersales.models import ReturnRequest, ServiceTicket, UpgradeNotice


def _visible(model: Any, user: Any) -> QuerySet[Any]:
    if is_employee(user):
        return model.objects.all()
    if getattr(user, "is_authenticated", False) and not user.is_staff:
        return model.objects.filter(customer__user=user)
    return model.objects.none()


def _get(qs: QuerySet[Any], public_id: Any) -> Any:
    try:
        return qs.get(public_id=public_id)
    except (ValidationError, qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_return_for(user: Any, public_id: Any) -> ReturnRequest:
    return _get(_visible(ReturnRequest, user).select_related("order", "customer"), public_id)


def get_ticket_for(user: Any, public_id: Any) -> ServiceTicket:
    return _get(
        _visible(ServiceTicket, user).select_related("order_line__order", "customer", "assignee"),
        public_id,
    )


def get_notice_for_staff(user: Any, public_id: Any) -> UpgradeNotice:
    if not is_employee(user):
        raise Http404
    return _get(UpgradeNotice.objects.select_related("product"), public_id)
