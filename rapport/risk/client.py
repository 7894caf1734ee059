"""Who is at the keyboard: the request's address, a hash of the browser's signature and the
country a proxy says the address is in, kept in a context variable for the length of a request
so `place_order` can stay unaware of HTTP. `ClientMiddleware` keeps the request's headers
there; the client is worked out from them only when asked (an order placed), not on every page."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class Client:
    ip_address: str | None = None
    device: str = ""
    ip_country: str = ""


# The request's META (or, in tests, a Client itself).
_current: ContextVar[dict[str, Any] | Client | None] = ContextVar(
    "rapport_risk_client", default=None
)


def current() -> Client:
    """The client of the request being served (empty outside a request)."""
    value = _current.get()
    if value is None or isinstance(value, Client):
        return value or Client()
    return _from_meta(value)


def from_request(request: HttpRequest) -> Client:
    return _from_meta(request.META)


def _from_meta(meta: dict[str, Any]) -> Client:
    agent, languages = meta.get("HTTP_USER_AGENT", ""), meta.get("HTTP_ACCEPT_LANGUAGE", "")
    signature = f"{agent}|{languages}".encode()
    header = getattr(settings, "RAPPORT_IP_COUNTRY_HEADER", "")
    return Client(
        ip_address=meta.get("REMOTE_ADDR") or None,
        device=hashlib.sha256(signature).hexdigest()[:32] if agent or languages else "",
        ip_country=(meta.get(header, "") if header else "")[:2].upper(),
    )


class ClientMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(request.META)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
