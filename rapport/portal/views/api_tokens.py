"""A staff member's personal API tokens: create (shown once), list, revoke (docs/api.md).

Tokens made here carry staff scopes; each call still needs the staff role the user has then.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from rapport.accounts import token_pages
from rapport.core.access import employee_required


@never_cache
@employee_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    return token_pages.token_page(
        request, namespace="portal", template="portal/account/api_tokens.html"
    )


@employee_required
@require_POST
def api_token_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    return token_pages.revoke(request, public_id, namespace="portal")
