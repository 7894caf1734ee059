"""`{% anonymous_header %}`: the store's header for visitors who are not signed in.

It is the same for every such visitor but for the search box's text, so each process renders it
once per language (and site name, script prefix and URL configuration) and fills the query in:
rendering it, some twenty template nodes with eight translations, was a twelfth of a cart page
and more of a product page. Signed-in visitors get `storefront/_header.html` rendered as usual;
with DEBUG on nothing is kept, so template edits show at once.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from rapport.storefront.context_processors import store

register = template.Library()

HEADER = "storefront/_header.html"
_QUERY = "__rapport_search_query__"
_rendered: dict[tuple[Any, ...], str] = {}


@register.simple_tag(takes_context=True)
def anonymous_header(context: template.Context) -> SafeString:
    site_name = settings.RAPPORT_SITE_NAME
    key = (get_language(), site_name, get_script_prefix(), get_urlconf())
    html = _rendered.get(key)
    if html is None:
        # What the `store` context processor gives every page (SITE_NAME, store_urls).
        page = store(context.get("request"))
        html = render_to_string(HEADER, {**page, "user": AnonymousUser(), "query": _QUERY})
        if not settings.DEBUG:
            _rendered[key] = html
    query = context.get("query") or ""
    return mark_safe(html.replace(_QUERY, conditional_escape(query)))  # noqa: S308
