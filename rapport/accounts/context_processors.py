from typing import Any

from django.http import HttpRequest


def account(request: HttpRequest) -> dict[str, Any]:
    """`email_unverified`: remind customers who have not clicked their verification link."""
    user = getattr(request, "user", None)
    unverified = bool(
        user is not None
        and user.is_authenticated
        and not user.is_staff
        and getattr(user, "email_verified_at", None) is None
    )
    from rapport.accounts.roles import is_manager

    return {"email_unverified": unverified, "staff_is_manager": is_manager(user)}
