"""The customer's loyalty points: balance and history."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.customers.access import get_own_customer
from rapport.loyalty import rules
from rapport.loyalty.queries import balance_of, history_of


@login_required
@require_GET
def points(request: HttpRequest) -> HttpResponse:
    customer = get_own_customer(request.user)
    return render(
        request,
        "storefront/loyalty/points.html",
        {
            "balance": balance_of(customer),
            "entries": history_of(customer),
            "point_value": rules.point_value(),
            "days": rules.setting("expiry_days"),
        },
    )
