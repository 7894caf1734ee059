"""The NinjaAPI instance of /api/v1/: routers, security schemes, problem-details errors."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from rapport.api.pagination import MAX_PAGE_SIZE
from rapport.api.problems import field_errors, problem
from rapport.api.ratelimit import RateLimited
from rapport.api.routers import MOUNTS
from rapport.devices.ca import CertificateAuthorityMissing
from rapport.devices.errors import DeviceError, InvalidRequest

logger = logging.getLogger("rapport.api")

DESCRIPTION = f"""The Rapport JSON API, version 1 (see docs/api.md).

Authenticate with a personal API token (`Authorization: Bearer rpt_…`, created in your
account), an enrolled device's session (`Authorization: Device …` on a request signed per
RFC 9421, see docs/devices.md) or the site's session cookie (unsafe methods need the
`X-CSRFToken` header).
Lists are paged with `limit` (at most {MAX_PAGE_SIZE}) and `offset`; errors are RFC 9457
problem details (`application/problem+json`)."""

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "detail"],
                "properties": {
                    "field": {"type": "string"},
                    "detail": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
}
ERROR_RESPONSES = {
    "400": "Bad request (a body that is not JSON)",
    "401": "Not authenticated: no, unknown or revoked token or device, bad signature, no session",
    "403": "Forbidden: a staff route, a missing scope, or a missing CSRF token",
    "404": "Not found, or not yours to see",
    "409": "Conflict: the object's state refuses the action",
    "422": "Validation failed: see `errors`",
    "429": "Too many calls: see Retry-After",
}


class RapportAPI(NinjaAPI):
    """ninja's API with every operation's error responses and public routes in the schema."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema["components"]["schemas"]["Problem"] = PROBLEM_SCHEMA
        problem_ref = {"$ref": "#/components/schemas/Problem"}
        for operations in schema["paths"].values():
            for operation in operations.values():
                if operation.pop("x-public", False):
                    operation["security"] = [
                        {"TokenAuth": []},
                        {"DeviceAuth": []},
                        {"BrowserSession": []},
                        {},
                    ]
                for status, description in ERROR_RESPONSES.items():
                    operation["responses"].setdefault(
                        status,
                        {
                            "description": description,
                            "content": {"application/problem+json": {"schema": problem_ref}},
                        },
                    )
        return schema


api = RapportAPI(
    title="Rapport API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)

for prefix, router in MOUNTS:
    api.add_router(prefix, router)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problem(
        request,
        422,
        "The request has invalid fields: see `errors`.",
        errors=field_errors(exc.errors),
    )


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = exc.message if exc.message != "Unauthorized" else "Sign in or send a token."
    return problem(
        request,
        401,
        detail,
        kind=getattr(exc, "kind", None),
        headers={"WWW-Authenticate": 'Bearer realm="api", Device realm="api"'},
    )


@api.exception_handler(DeviceError)
def on_device_error(request: HttpRequest, exc: DeviceError) -> HttpResponse:
    errors = None
    if isinstance(exc, InvalidRequest):
        errors = [{"field": f"body.{exc.field}", "detail": str(exc), "code": "invalid"}]
    return problem(request, exc.status, str(exc), kind=exc.kind, errors=errors)


@api.exception_handler(CertificateAuthorityMissing)
def on_ca_missing(request: HttpRequest, exc: CertificateAuthorityMissing) -> HttpResponse:
    logger.error("Device enrolment refused: %s", exc)
    return problem(
        request, 503, "Device enrolment is not set up on this site.", kind="devices-unavailable"
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    kind = getattr(exc, "kind", None)
    if exc.status_code == 403 and "CSRF" in exc.message:
        return problem(request, 403, "The CSRF token is missing or wrong.", kind="csrf")
    return problem(request, exc.status_code, exc.message, kind=kind)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, 404, "There is nothing here, or you may not see it.")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem(request, 403, "You may not do this.")


@api.exception_handler(RateLimited)
def on_rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    return problem(
        request,
        429,
        f"Too many calls: try again in {exc.retry_after} seconds.",
        headers={"Retry-After": str(exc.retry_after)},
    )
