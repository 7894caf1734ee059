"""django-axes hooks: how usernames are counted and what a locked-out person sees."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from rapport.core import audit


def normalised_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """Count `Ann@Example.com ` and `ann@example.com` as the same account."""
    raw = (credentials or {}).get("username") if credentials else request.POST.get("username")
    value = str(raw or "").strip().lower()
    return value or None


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """The same page whether or not the account exists: wait, reset the password, or ask us.

    Shown at both entrances (status 429). Every refused attempt is audit-logged.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    staff_prefix = f"/{settings.RAPPORT_STAFF_PATH}/"
    entrance = "staff" if request.path.startswith(staff_prefix) else "store"
    audit.record(
        action="auth.locked_out",
        request=request,
        summary=f"Login refused: locked out ({entrance} entrance)",
        data={"entrance": entrance, "email": normalised_username(request, credentials) or ""},
    )
    html = render_to_string("storefront/account/locked.html", {"minutes": minutes}, request=request)
    response = HttpResponse(html, status=429)
    response["Cache-Control"] = "no-store"
    return response
