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

    That is: an active employee or manager, verified by a second factor (django-otp) in this
    session, and not idle for longer than RAPPORT_STAFF_IDLE_MINUTES (an idle session is ended).
    Views only ever call this.
    """
    from rapport.accounts.sessions import staff_session_fresh

    user = request.user
    if not is_employee(user):
        return False
    is_verified = getattr(user, "is_verified", None)
    if is_verified is None or not is_verified():
        return False
    return staff_session_fresh(request)


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
