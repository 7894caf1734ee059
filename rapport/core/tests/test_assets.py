"""`{% asset %}` prints what `{% static %}` prints."""

from __future__ import annotations

from django.template import engines


def both(path: str) -> tuple[str, str]:
    engine = engines["django"]
    asset = engine.from_string("{% load assets %}{% asset path %}").render({"path": path})
    static = engine.from_string("{% load static %}{% static path %}").render({"path": path})
    return asset, static


def test_asset_is_the_static_url():
    asset, static = both("css/rapport.css")
    assert asset == static
    assert asset.endswith("css/rapport.css")


def test_asset_with_debug_on_is_the_static_url_too(settings):
    settings.DEBUG = True
    asset, static = both("vendor/htmx/htmx.min.js")
    assert asset == static
    assert asset.endswith("vendor/htmx/htmx.min.js")
