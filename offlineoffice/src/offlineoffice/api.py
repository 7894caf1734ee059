"""The HTTP side: one signed call to Rapport's JSON API v1, and what can go wrong with it.

`Offline` means the server could not be reached or the connection broke (nothing is known about
whether the server acted: the caller retries with the same operation ids). `ApiError` is an
answer from the server, an RFC 9457 problem.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from offlineoffice import __version__
from offlineoffice.profile import Profile
from offlineoffice.signing import sign_request

API_PREFIX = "/api/v1"


class Offline(Exception):
    """The server is unreachable, or the connection dropped before a whole answer came."""


class ApiError(Exception):
    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        super().__init__(f"{status} {self.kind}: {self.detail}")

    @property
    def kind(self) -> str:
        """The problem type's last segment, e.g. "device-revoked"."""
        return str(self.problem.get("type") or "").rstrip("/").rsplit("/", 1)[-1] or "error"

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail") or self.problem.get("title") or "")

    @property
    def retriable(self) -> bool:
        """Server trouble or a rate limit: try again later with the same operations."""
        return self.status >= 500 or self.status == 429


class ApiClient:
    """Calls the API as this device (signed) and, once signed in, as its person."""

    def __init__(
        self,
        profile: Profile,
        *,
        server: str | None = None,
        session_token: Callable[[], str | None] = lambda: None,
        timeout: float = 15.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.profile = profile
        self.server = (server or profile.server or "").rstrip("/")
        self.session_token = session_token
        self.http = httpx.Client(
            base_url=self.server + API_PREFIX,
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": f"offlineoffice/{__version__}", "Accept": "application/json"},
        )

    def close(self) -> None:
        self.http.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        signed: bool = True,
        as_person: bool = True,
    ) -> Any:
        """Send one request; return the decoded JSON answer (None for 204)."""
        request = self.http.build_request(method, path, json=json, params=params)
        if signed:
            device_id = self.profile.device_id
            if not device_id:
                raise ApiError(401, {"type": "not-enrolled", "detail": "not enrolled"})
            token = self.session_token() if as_person else None
            if token:
                request.headers["Authorization"] = f"Device {token}"
            sign_request(request, key=self.profile.private_key(), device_id=device_id)
        try:
            response = self.http.send(request)
            response.read()
        except httpx.TransportError as exc:  # connect, read, write, protocol errors, timeouts
            raise Offline(str(exc) or type(exc).__name__) from exc
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"detail": response.text[:200]}
            if not isinstance(problem, dict):
                problem = {"detail": str(problem)}
            raise ApiError(response.status_code, problem)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:  # a cut answer that still parsed as HTTP
            raise Offline("the answer was not complete JSON") from exc
