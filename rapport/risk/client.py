"""Who is at the keyboard: the request's address, a hash of the browser's signature and the
country a proxy says the address is in, kept in a context variable for the length of a request
so `place_order` can stay unaware of HTTP. Set by `ClientMiddleware` (a few microseconds)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class Client:
    ip_address: str | None = None
    device: str = ""
    ip_country: str = ""


_current: ContextVar[Client | None] = ContextVar("rapport_risk_client", default=None)


def current() -> Client:
    """The client of the request being served (empty outside a request)."""
    return _current.get() or Client()


def from_request(request: HttpRequest) -> Client:
    meta = request.META
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
        token = _current.set(from_request(request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
