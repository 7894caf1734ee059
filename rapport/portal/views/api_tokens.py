"""A staff member's personal API tokens: create (shown once), list, revoke (docs/api.md).

Tokens made here carry staff scopes; each call still needs the staff role the user has then.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from rapport.accounts.access import get_api_token_of
from rapport.accounts.errors import AccountError
from rapport.accounts.forms import ApiTokenForm
from rapport.accounts.services.api_tokens import create_token, revoke_token, tokens_of
from rapport.core.access import employee_required


@never_cache
@employee_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = ApiTokenForm(user, request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = create_token(
                user=user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                request=request,
            )
        except AccountError as exc:
            form.add_error(None, str(exc))
        else:
            form = ApiTokenForm(user)
    context = {
        "form": form,
        "created": created,
        "tokens": tokens_of(user),
        "form_action": reverse("portal:api_tokens"),
        "revoke_url": "portal:api_token_revoke",
        "api_docs_url": reverse("api-v1:openapi-view"),
    }
    return render(request, "portal/account/api_tokens.html", context)


@employee_required
@require_POST
def api_token_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    token = get_api_token_of(request.user, public_id)
    revoke_token(token=token, actor=request.user, request=request)
    messages.success(request, _("The token is revoked: it no longer works."))
    return redirect("portal:api_tokens")
