"""Managers browse the audit log (read-only: nothing in the app updates or deletes entries)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.accounts import queries
from rapport.accounts.forms import AuditFilterForm
from rapport.core.access import manager_required

PAGE_SIZE = 50


@manager_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = queries.audit_entries(
        action=filters.get("action") or "",
        actor=filters.get("actor") or "",
        obj=filters.get("obj") or "",
        since=filters.get("since"),
        until=filters.get("until"),
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "portal/audit/list.html",
        {"form": form, "page": page, "query": query, "actions": queries.audit_actions()},
    )
