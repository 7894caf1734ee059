"""`{% store_header %}` and `{% store_footer %}`: the store's header and footer on every page.

Both are the same for every visitor of one kind (anonymous, signed-in customer, staff) but for
the search box's text and the CSRF token of the signed-in header's log-out form, so each process
renders them once per kind and language (and site name, script prefix and URL configuration)
and fills those in: rendering them, some fifty template nodes with fifteen translations, was a
twelfth of an anonymous cart page and more of a signed-in one (docs/performance.md, "Signed-in
cart flow"). The token printed is the one `{% csrf_token %}` would print on this page (the page
cache's placeholder on a shared page). With DEBUG on nothing is kept, so template edits show
at once.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

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
PRODUCT_SLOTS = "storefront/_product_slots.html"
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
    """`name` rendered with `extra` once per kind of visitor and language, with this page's
    CSRF token in its forms."""
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
    if _CSRF_INPUT not in html:  # asking for the token would mint one and set its cookie
        return html
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


class _AnyProduct:
    """What the product page's slots read of `product`: only its id, here a stand-in that no
    product has (ids are random UUIDs), replaced by the real one in the kept copy."""

    public_id = UUID(int=0)


_ANY_PRODUCT_ID = str(_AnyProduct.public_id)


@register.simple_tag(takes_context=True)
def product_slots(context: template.Context, product: Any) -> SafeString:
    """The product page's sections below the product (a request form, and the suggestions,
    reviews and questions filled after load): the same for every product but for its id, so
    they are rendered once per kind of visitor and language, like the header, instead of on
    each page (they were a third of a product page's rendering)."""
    html = _fragment(PRODUCT_SLOTS, context, {"product": _AnyProduct()})
    return mark_safe(html.replace(_ANY_PRODUCT_ID, str(product.public_id)))  # noqa: S308
