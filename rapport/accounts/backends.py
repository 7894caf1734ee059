"""Authentication: customers log in only at the store, staff only at the staff entrance."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

STORE = "store"
STAFF = "staff"
ENTRANCES = (STORE, STAFF)


class EntranceBackend(ModelBackend):
    """Django's password check plus the entrance rule.

    `authenticate(request, username=..., password=..., entrance=STORE|STAFF)`. The password is
    checked first (ModelBackend also hashes for unknown accounts), so an account of the wrong kind
    costs the same time and fails exactly like a wrong password; `EntranceLoginForm` then counts
    the failure (`accounts.lockout`). Calls without an entrance (Django's own login forms,
    `Client.login`) are refused: every login goes through one of our two entrances.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        entrance: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if entrance not in ENTRANCES or not username or not password:
            return None
        user = super().authenticate(
            request, username=username.strip().lower(), password=password, **kwargs
        )
        if user is None:
            return None
        if bool(user.is_staff) != (entrance == STAFF):
            return None
        return user

    def get_user(self, user_id: Any) -> Any:
        """The signed-in user of a request, as `ModelBackend.get_user` finds it (an inactive
        account is refused), in a hand-written query (`accounts.queries.user_by_pk`)."""
        from rapport.accounts.queries import user_by_pk

        try:
            user = user_by_pk(user_id)
        except (TypeError, ValueError):
            return None
        return user if user is not None and self.user_can_authenticate(user) else None
