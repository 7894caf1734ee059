"""Access decorators shared by interface apps. Per-resource helpers (`get_order_for(user, pk)`)
live in each domain app's `access.py` and are the only way views fetch objects a user may see."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from rapport.accounts.roles import is_employee, is_manager

View = Callable[..., HttpResponse]


def staff_session_ok(request: HttpRequest) -> bool:
    """True when the request carries a fully authenticated staff session.

    The accounts app tightens this (second factor, idle timeout); views only ever call this.
    """
    return is_employee(request.user)


def employee_required(view: View) -> View:
    """Staff pages: anyone else is sent to the public storefront, learning nothing."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not staff_session_ok(request):
            return redirect("storefront:home")
        return view(request, *args, **kwargs)

    return wrapper


def manager_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not staff_session_ok(request) or not is_manager(request.user):
            return redirect("storefront:home")
        return view(request, *args, **kwargs)

    return wrapper
