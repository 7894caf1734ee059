from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language


class StoreUrls(dict[str, str]):
    """`{{ store_urls.cart }}`: the store's URLs that take no arguments, each reversed once per
    process (and URL configuration, script prefix and language) instead of on every page: the
    base template links to about ten of them, and reversing was a tenth of a page's rendering.
    An unknown name raises `NoReverseMatch`, as `{% url %}` does."""

    def __missing__(self, name: str) -> str:
        url = self[name] = reverse(f"storefront:{name}")
        return url


_store_urls: dict[tuple[str, str | None, str], StoreUrls] = {}


def store_urls() -> StoreUrls:
    key = (get_script_prefix(), get_urlconf(), get_language())
    urls = _store_urls.get(key)
    if urls is None:
        urls = _store_urls.setdefault(key, StoreUrls())
    return urls


def store(request: HttpRequest | None) -> dict[str, Any]:
    return {"SITE_NAME": settings.RAPPORT_SITE_NAME, "store_urls": store_urls()}
