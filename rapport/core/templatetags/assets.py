"""`{% asset 'css/rapport.css' %}`: `{% static %}` looked up once per process.

Every page's head links the stylesheet and htmx; `{% static %}` asks the storage for the URL
each time, about 20 µs a link (a tenth of a storefront page's frame). With DEBUG on nothing is
kept, so a development server shows new files at once.
"""

from __future__ import annotations

import functools

from django import template
from django.conf import settings
from django.templatetags.static import static

register = template.Library()


@register.simple_tag
def asset(path: str) -> str:
    return static(path) if settings.DEBUG else _url(path)


@functools.cache
def _url(path: str) -> str:
    return static(path)
