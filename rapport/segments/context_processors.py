"""The signed-in customer's theme on every page (`<html data-theme>` in templates/base.html)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from rapport.segments.queries import preferences_for_user


def personalisation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"THEME": "light"}
    # Lazy: pages that never print the theme (JSON, redirects) cost nothing.
    return {"THEME": SimpleLazyObject(lambda: preferences_for_user(user).theme)}
