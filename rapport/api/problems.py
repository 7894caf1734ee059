"""Errors as RFC 9457 problem details: `application/problem+json` with type, title, status,
detail, and `errors` (one per field) for a request that does not validate.

Every error the API returns goes through `problem()`: ninja's own validation errors, Django's
Http404 raised by the access helpers, PermissionDenied, authentication, scopes and rate limits.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://rapport.dev/problems/"  # stable identifiers, documented in docs/api.md

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Validation failed",
    429: "Too many requests",
    500: "Server error",
    503: "Service unavailable",
}
TYPES = {
    400: "bad-request",
    401: "not-authenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    422: "validation-failed",
    429: "rate-limited",
    500: "server-error",
    503: "service-unavailable",
}


def problem(
    request: HttpRequest | None,
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    """One problem-details response (`kind` overrides the type's last part, e.g. "scope")."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + (kind or TYPES.get(status, "error")),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.path
    if errors is not None:
        body["errors"] = errors
    response = JsonResponse(body, status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def field_errors(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ninja's validation errors as `{"field": "query.limit", "detail": "…"}` entries."""
    errors = []
    for error in raw:
        loc = [str(part) for part in error.get("loc", ())]
        errors.append(
            {
                "field": ".".join(loc),
                "detail": str(error.get("msg", "invalid")),
                "code": str(error.get("type", "invalid")),
            }
        )
    return errors
