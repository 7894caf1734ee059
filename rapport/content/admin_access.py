"""The content admin (Wagtail) behind the staff entrance: the same staff-session rules and second
factor as the portal, plus a content role. No second door: Wagtail's own login page sends people
to the staff login, and everyone else lands on the store's home page, learning nothing."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, URLResolver
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.utils.urlpatterns import decorate_urlpatterns

from rapport.content.roles import has_content_role
from rapport.core.access import staff_session_ok

View = Callable[..., HttpResponse]

# Wagtail's admin still ships a few inline scripts and styles, and previews pages in a frame of
# its own origin: this policy applies to the content admin only; the store keeps the strict one.
ADMIN_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.SELF],
    "form-action": [CSP.SELF],
}


def content_staff_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        match = request.resolver_match
        if not request.user.is_authenticated and match and match.url_name == "wagtailadmin_login":
            return redirect("portal:login")
        if not staff_session_ok(request) or not has_content_role(request.user):
            return redirect("storefront:home")
        return view(request, *args, **kwargs)

    return csp_override(ADMIN_CSP)(xframe_options_sameorigin(wrapper))


def content_admin_urlpatterns() -> list[URLPattern | URLResolver]:
    return decorate_urlpatterns(list(wagtailadmin_urls.urlpatterns), content_staff_required)
