"""Whole-page cache for first-time visitors (no session, no messages): the rendered page is
stored with a placeholder where the CSRF token goes, and each response gets its own token.

Pages that differ per visitor (signed in, a session, a flash message) are always rendered
fresh; no cached page shows the cart, so an anonymous cart (a cookie of its own) does not
count. A cached page is stored with the `state` it was rendered from (e.g. `updated_at` and live
stock); the caller reads the live state with one cheap query and serves the copy only when the
two are equal, so a cached page is never stale, and the full query and the rendering are skipped
on a hit.
"""

from __future__ import annotations

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


def _key(key_parts: tuple[Any, ...]) -> str:
    return "page:" + ":".join(str(p) for p in (*key_parts, get_language()))


def shared_copy(request: HttpRequest, key_parts: tuple[Any, ...]) -> tuple[Any, str] | None:
    """`(state, html)` of the cached page under `key_parts` for a first-time visitor; None for
    anyone else or when nothing is cached. Serve it with `serve` only if `state` is still the
    live state."""
    if not cacheable(request):
        return None
    copy: tuple[Any, str] | None = cache.get(_key(key_parts))
    return copy


def serve(request: HttpRequest, html: str) -> HttpResponse:
    """A cached page with this response's own CSRF token (which also sets the CSRF cookie)."""
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))


def render_shared(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    key_parts: tuple[Any, ...],
    state: Any,
) -> HttpResponse:
    """Render `template`; for a first-time visitor also keep a copy under `key_parts` together
    with the `state` it shows. Every response carries its own CSRF token and sets the CSRF
    cookie (forms and htmx posts need it, even on a page that shows no form)."""
    token = get_token(request)  # once: each call masks the secret anew
    if not cacheable(request):
        return HttpResponse(
            render_to_string(template, {**context, "csrf_token": token}, request=request)
        )
    html = render_to_string(template, {**context, "csrf_token": CSRF_PLACEHOLDER}, request=request)
    cache.set(_key(key_parts), (state, html), TIMEOUT)
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, token))
