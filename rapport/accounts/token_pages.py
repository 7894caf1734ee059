"""The personal API token page and its revoke action, shared by the store's account pages
(customers) and the portal (staff): each side wraps these with its own access decorator and
names its URLs and template (docs/api.md)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from rapport.accounts.access import get_api_token_of
from rapport.accounts.errors import AccountError
from rapport.accounts.forms import ApiTokenForm
from rapport.accounts.services.api_tokens import create_token, revoke_token, tokens_of


def token_page(request: HttpRequest, *, namespace: str, template: str) -> HttpResponse:
    """List the user's tokens and make a new one (its secret shown once, on this response)."""
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
        "form_action": reverse(f"{namespace}:api_tokens"),
        "revoke_url": f"{namespace}:api_token_revoke",
        "api_docs_url": reverse("api-v1:openapi-view"),
    }
    return render(request, template, context)


def revoke(request: HttpRequest, public_id: str, *, namespace: str) -> HttpResponse:
    token = get_api_token_of(request.user, public_id)
    revoke_token(token=token, actor=request.user, request=request)
    messages.success(request, _("The token is revoked: it no longer works."))
    return redirect(f"{namespace}:api_tokens")
