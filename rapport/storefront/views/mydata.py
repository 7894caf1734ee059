"""Self-service data rights: the customer downloads everything we hold about them."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from rapport.customers.access import get_own_customer
from rapport.customers.services import export_customer_data


@login_required
def mydata(request: HttpRequest) -> HttpResponse:
    customer = get_own_customer(request.user)
    return render(request, "storefront/profile/mydata.html", {"customer": customer})


@login_required
@require_POST
def export(request: HttpRequest) -> HttpResponse:
    """POST (not GET) so that a link elsewhere cannot make the browser log an export."""
    customer = get_own_customer(request.user)
    data = export_customer_data(customer=customer, actor=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="my-data-{customer.public_id}.json"'
    return response
