"""Django admin for superusers only, behind the staff entrance and its second factor."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_otp.admin import OTPAdminSite

from rapport.core.access import staff_session_ok


class RapportAdminSite(OTPAdminSite):
    """Only an active superuser with a full staff session (password + second factor at the staff
    entrance, not idle) gets in; everybody else lands on the storefront, learning nothing. The
    admin's own login form is never offered: staff log in at the staff entrance."""

    def has_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(user.is_active and user.is_superuser and staff_session_ok(request))

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return redirect("storefront:home")

    def admin_view(self, view: Any, cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not self.has_permission(request):
                return redirect("storefront:home")
            return inner(request, *args, **kwargs)

        return guarded
