"""Who the caller is, and what its token or session may do."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from rapport.accounts.roles import is_manager
from rapport.api.auth import SIGNED_IN, Principal

router = Router(tags=["me"], auth=SIGNED_IN)


class MeOut(Schema):
    email: str
    name: str
    role: str
    via: str
    scopes: list[str]


@router.get("", response=MeOut, url_name="me")
def me(request: HttpRequest) -> Any:
    """The signed-in person: role (customer, employee, manager), how the call is authenticated
    (token, device or session) and the scopes it carries."""
    principal: Principal = request.auth  # type: ignore[attr-defined]
    user = principal.user
    role = "manager" if is_manager(user) else "employee" if principal.is_staff else "customer"
    return {
        "email": user.email,
        "name": user.get_full_name(),
        "role": role,
        "via": "token"
        if principal.token is not None
        else "device"
        if principal.device is not None
        else "session",
        "scopes": sorted(principal.scopes),
    }
