"""Who is calling: a personal API token (Bearer), an enrolled device's session (`Authorization:
Device <token>` on a request signed per RFC 9421, docs/devices.md), a browser session (cookie,
with CSRF on unsafe methods), or nobody (public routes only). Each becomes a `Principal`.

A token acts as its user, narrowed by its scopes; a browser session as its user with every
scope the user's role allows. A staff session counts only when the staff rules hold
(`core.access.staff_session_ok`: role, second factor, not idle); anything less is not signed
in as far as the API is concerned. Every call is counted against the rate limit of its token,
user or address (`ratelimit`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, APIKeyHeader, HttpBearer

from rapport.accounts.models import ApiToken
from rapport.accounts.roles import is_employee
from rapport.accounts.services.api_tokens import effective_scopes, scopes_allowed_for, token_for
from rapport.api import ratelimit
from rapport.core.access import staff_session_ok
from rapport.core.audit import client_ip
from rapport.devices.models import Device, DeviceSession
from rapport.devices.services import record_call, session_for
from rapport.devices.signatures import SignatureRefused, is_signed, verify_request


@dataclass(frozen=True)
class Principal:
    user: Any
    token: ApiToken | None
    scopes: frozenset[str]
    device: Device | None = None
    device_session: DeviceSession | None = None

    @property
    def authenticated(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    @property
    def is_staff(self) -> bool:
        return is_employee(self.user)


class Forbidden(HttpError):
    """403 with a problem type: "forbidden" (the route is not for you) or "scope"."""

    def __init__(self, message: str, kind: str = "forbidden") -> None:
        super().__init__(403, message)
        self.kind = kind


class TokenAuth(HttpBearer):
    """`Authorization: Bearer rpt_…`: a personal API token (docs/api.md)."""

    def authenticate(self, request: HttpRequest, token: str) -> Principal:
        row = token_for(token.strip())
        if row is None:
            # Refuse at once rather than fall back to the session or to anonymous access.
            raise AuthenticationError(message="The token is unknown, wrong or revoked.")
        ratelimit.hit("token", row.prefix)
        request.user = row.user
        return Principal(user=row.user, token=row, scopes=effective_scopes(row))


class DeviceAuthError(AuthenticationError):
    """401 with a problem type: "not-authenticated", "device-revoked" or
    "device-certificate-expired"."""

    def __init__(self, message: str, kind: str = "not-authenticated") -> None:
        super().__init__(message=message)
        self.kind = kind


CLIENT_VERSION = re.compile(r"^offlineoffice/(\S{1,40})", re.IGNORECASE)


def signed_device(request: HttpRequest) -> Device:
    """The enrolled device that signed the request (counted against its rate limit), or a
    DeviceAuthError."""
    if not is_signed(request):
        raise DeviceAuthError("Device calls must be signed (docs/devices.md).")
    try:
        device = verify_request(request)
    except SignatureRefused as exc:
        # Failed signatures count against the caller's address (they name no device we trust).
        ratelimit.hit("address", client_ip(request) or "unknown")
        raise DeviceAuthError(str(exc), kind=exc.kind) from exc
    ratelimit.hit("device", str(device.public_id))
    version = CLIENT_VERSION.match(request.headers.get("User-Agent", ""))
    record_call(
        device=device, ip=client_ip(request), client_version=version.group(1) if version else None
    )
    return device


class DeviceAuth(APIKeyHeader):
    """`Authorization: Device <session token>` on a request signed by the device's key: the
    device's person, with every scope their role allows (like a browser session)."""

    param_name = "Authorization"
    SCHEME = "Device "

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        if not key or not key.startswith(self.SCHEME):
            return None
        device = signed_device(request)
        session = session_for(device=device, token=key[len(self.SCHEME) :].strip())
        if session is None:
            raise DeviceAuthError("The device session is unknown, ended or expired: sign in again.")
        request.user = device.person
        return Principal(
            user=device.person,
            token=None,
            scopes=frozenset(scopes_allowed_for(device.person)),
            device=device,
            device_session=session,
        )


class DeviceSignature(APIKeyHeader):
    """A request signed by an enrolled device, without a session (signing in on it)."""

    param_name = "Signature"

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        if not key:
            return None
        device = signed_device(request)
        return Principal(user=AnonymousUser(), token=None, scopes=frozenset(), device=device)


class BrowserSession(APIKeyCookie):
    """The site's session cookie; unsafe methods need the CSRF token (X-CSRFToken header)."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None  # no session: no CSRF check either (a 401 says more than a 403)
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = request.user
        if key is None or not user.is_authenticated:
            return None
        if user.is_staff and not staff_session_ok(request):
            return None
        ratelimit.hit("user", str(user.pk))
        return Principal(user=user, token=None, scopes=frozenset(scopes_allowed_for(user)))


def anonymous(request: HttpRequest) -> Principal:
    """Public routes: nobody signed in, limited per address."""
    ratelimit.hit("address", client_ip(request) or "unknown")
    return Principal(user=AnonymousUser(), token=None, scopes=frozenset())


SIGNED_IN = [TokenAuth(), DeviceAuth(), BrowserSession()]
PUBLIC = [TokenAuth(), DeviceAuth(), BrowserSession(), anonymous]
DEVICE_SESSION = [DeviceAuth()]
DEVICE_SIGNED = [DeviceSignature()]
# Marks a public route for the OpenAPI schema (app.py adds "or no authentication" to it).
PUBLIC_ROUTE = {"x-public": True}


def need(request: HttpRequest, scope: str, *, staff: bool = False) -> Principal:
    """The caller, if it may use a route that needs `scope` (and staff, when `staff`).

    Raises 403 problems: "forbidden" for a customer on a staff route, "scope" for a token
    without the scope. Objects are then fetched through the domain's access helpers as the
    caller's user, so a token never sees more than its user would.
    """
    principal: Principal = request.auth  # type: ignore[attr-defined]
    if not principal.authenticated:
        raise AuthenticationError()
    if staff and not principal.is_staff:
        raise Forbidden("This route is for staff.")
    if scope not in principal.scopes:
        raise Forbidden(f"This call needs the {scope} scope.", kind="scope")
    return principal
