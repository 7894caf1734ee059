"""The customer's personal API tokens: create (shown once), list, revoke. See docs/api.md."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from rapport.accounts import token_pages
from rapport.storefront.views.auth import TEMPLATES, customer_required


@never_cache
@customer_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    return token_pages.token_page(
        request, namespace="storefront", template=TEMPLATES + "api_tokens.html"
    )


@customer_required
@require_POST
def api_token_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    return token_pages.revoke(request, public_id, namespace="storefront")
