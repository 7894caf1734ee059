"""The customer's draft orders (prepared by them on the offline client or by their contact at
the shop): list and read them at their own prices; they are placed from the client or by staff."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.accounts.roles import is_employee
from rapport.drafts import queries
from rapport.drafts.access import get_draft_for_customer


@login_required
@require_GET
def draft_list(request: HttpRequest) -> HttpResponse:
    if is_employee(request.user):  # staff work on drafts in the portal
        raise Http404
    page = Paginator(queries.drafts_for(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "storefront/drafts/list.html", {"page": page})


@login_required
@require_GET
def draft_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    draft = get_draft_for_customer(request.user, public_id)
    lines, total = queries.priced_lines(draft)
    return render(
        request, "storefront/drafts/detail.html", {"draft": draft, "lines": lines, "total": total}
    )
