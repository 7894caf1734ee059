"""`{% store_header %}` and `{% store_footer %}`: the store's header and footer on every page.

Both are the same for every visitor of one kind (anonymous, signed-in customer, staff) but for
the search box's text and the CSRF token of their forms (log out, language), so each process
renders them once per kind and language (and site name, script prefix and URL configuration)
and fills those in: rendering them, some fifty template nodes with fifteen translations, was a
twelfth of an anonymous cart page and more of a signed-in one (docs/performance.md, "Signed-in
cart flow"). The token printed is the one `{% csrf_token %}` would print on this page (the page
cache's placeholder on a shared page). With DEBUG on nothing is kept, so template edits show
at once.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from rapport.storefront.context_processors import store

register = template.Library()

HEADER = "storefront/_header.html"
FOOTER = "storefront/_footer.html"
_QUERY = "__rapport_search_query__"
_CSRF = "__rapport_chrome_csrf__"
_CSRF_INPUT = f'<input type="hidden" name="csrfmiddlewaretoken" value="{_CSRF}">'
_rendered: dict[tuple[Any, ...], str] = {}


class _Visitor:
    """What the header and footer read of `user`, for one kind of visitor."""

    def __init__(self, *, is_authenticated: bool, is_staff: bool) -> None:
        self.is_authenticated = is_authenticated
        self.is_staff = is_staff


def _kind(context: template.Context) -> tuple[bool, bool]:
    user = context.get("user")
    signed_in = bool(getattr(user, "is_authenticated", False))
    return signed_in, signed_in and bool(getattr(user, "is_staff", False))


def _fragment(name: str, context: template.Context, extra: dict[str, Any]) -> str:
    signed_in, staff = _kind(context)
    site, prefix, urlconf = settings.RAPPORT_SITE_NAME, get_script_prefix(), get_urlconf()
    key = (name, signed_in, staff, get_language(), site, prefix, urlconf)
    html = _rendered.get(key)
    if html is None:
        visitor: Any = (
            _Visitor(is_authenticated=True, is_staff=staff) if signed_in else AnonymousUser()
        )
        # What the `store` context processor gives every page (SITE_NAME, store_urls).
        page = store(context.get("request"))
        html = render_to_string(name, {**page, **extra, "user": visitor, "csrf_token": _CSRF})
        if not settings.DEBUG:
            _rendered[key] = html
    # The token `{% csrf_token %}` prints on this page ("" when the context has none).
    return html.replace(_CSRF_INPUT, str(CsrfTokenNode().render(context)))


@register.simple_tag(takes_context=True)
def store_header(context: template.Context) -> SafeString:
    html = _fragment(HEADER, context, {"query": _QUERY})
    query = context.get("query") or ""
    return mark_safe(html.replace(_QUERY, conditional_escape(query)))  # noqa: S308


@register.simple_tag(takes_context=True)
def store_footer(context: template.Context) -> SafeString:
    return mark_safe(_fragment(FOOTER, context, {}))  # noqa: S308
