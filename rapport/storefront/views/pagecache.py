"""Whole-page cache for first-time visitors (no session, no messages): the rendered page is
stored with a placeholder where the CSRF token goes, and each response gets its own token.

Pages that differ per visitor (signed in, a cart in the session, a flash message) are always
rendered fresh. The caller puts everything the page shows into the key (ids, `updated_at`,
live stock, catalogue version), so a cached page is never stale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.translation import get_language

CSRF_PLACEHOLDER = "__rapport_csrf_placeholder__"
TIMEOUT = 300


def cacheable(request: HttpRequest) -> bool:
    """Only anonymous visitors without a session or message cookie share rendered pages."""
    cookies = request.COOKIES
    return not (
        request.user.is_authenticated
        or settings.SESSION_COOKIE_NAME in cookies
        or "messages" in cookies
    )


def render_shared(
    request: HttpRequest,
    template: str,
    context: Callable[[], dict[str, Any]],
    key_parts: tuple[Any, ...],
) -> HttpResponse:
    """Render `template` (context built lazily), reusing a cached copy for anonymous visitors.
    Every response carries its own CSRF token and sets the CSRF cookie (forms and htmx posts
    need it, even on a page that shows no form)."""
    token = get_token(request)  # once: each call masks the secret anew
    if not cacheable(request):
        return HttpResponse(
            render_to_string(template, {**context(), "csrf_token": token}, request=request)
        )
    key = "page:" + ":".join(str(p) for p in (*key_parts, get_language()))
    html = cache.get(key)
    if html is None:
        html = render_to_string(
            template, {**context(), "csrf_token": CSRF_PLACEHOLDER}, request=request
        )
        cache.set(key, html, TIMEOUT)
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, token))
