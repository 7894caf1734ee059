"""The staff portal's front page: the employee's day (rapport.workspace)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rapport.core.access import employee_required
from rapport.portal.views.chat import staff_socket_url
from rapport.portal.views.workspace import tasks_context


@employee_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/dashboard.html",
        {**tasks_context(request), "socket_url": staff_socket_url()},
    )
