"""Enrolled devices of the offline client: enrol, sign in and out, renew, usage log.

`enrol` needs no authentication (the one-time code is the credential); signing in needs a
request signed by the device; everything else a signed request with the device's session
(docs/devices.md, ADR 0008).
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime

from rapport.api.auth import DEVICE_SESSION, DEVICE_SIGNED, PUBLIC_ROUTE, Principal, anonymous
from rapport.api.pagination import NO_NUL
from rapport.devices.services import (
    MAX_USAGE_ENTRIES,
    enrol,
    record_usage,
    renew,
    sign_in,
    sign_out,
)

router = Router(tags=["devices"])


class PersonOut(Schema):
    id: UUID
    name: str
    email: str


class UserOut(PersonOut):
    is_staff: bool


def _person(user: Any) -> dict[str, Any]:
    return {"id": user.public_id, "name": user.get_full_name() or user.email, "email": user.email}


class EnrolIn(Schema):
    code: str = Field(max_length=64, pattern=NO_NUL)
    csr: str = Field(max_length=8000, pattern=NO_NUL, description="PEM CSR for an Ed25519 key")
    name: str = Field(max_length=100, pattern=NO_NUL)
    platform: str = Field("", max_length=100, pattern=NO_NUL)
    client_version: str = Field("", max_length=40, pattern=NO_NUL)


class EnrolOut(Schema):
    device_id: UUID
    certificate: str
    ca_certificate: str
    not_after: datetime
    person: PersonOut


@router.post(
    "/enrol",
    response={201: EnrolOut},
    auth=[anonymous],
    openapi_extra={
        **PUBLIC_ROUTE,
        "responses": {
            "503": {
                "description": "Device enrolment is not set up on this site (no CA key)",
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            }
        },
    },
    url_name="device_enrol",
)
def enrol_device(request: HttpRequest, payload: EnrolIn) -> Any:
    """Enrol a device with a one-time code from a manager and a CSR for a key made on the
    device. A used, expired or unknown code: 403 `enrolment-refused`."""
    enrolled = enrol(
        code=payload.code,
        csr_pem=payload.csr,
        name=payload.name,
        platform=payload.platform,
        client_version=payload.client_version,
        request=request,
    )
    device = enrolled.device
    return Status(
        201,
        {
            "device_id": device.public_id,
            "certificate": device.certificate_pem,
            "ca_certificate": enrolled.ca_certificate_pem,
            "not_after": device.certificate_not_after,
            "person": _person(device.person),
        },
    )


class SignInIn(Schema):
    username: str = Field(max_length=254, pattern=NO_NUL)
    password: str = Field(max_length=4096, pattern=NO_NUL)
    otp: str | None = Field(None, max_length=64, pattern=NO_NUL)


class SessionOut(Schema):
    session_token: str
    expires_at: datetime = Field(description="The absolute end; 12 h without calls ends it too")
    user: UserOut


@router.post("/session", response=SessionOut, auth=DEVICE_SIGNED, url_name="device_session")
def session_start(request: HttpRequest, payload: SignInIn) -> Any:
    """Sign the device's person in on this signed device (staff give their authenticator
    code as `otp`). Another person: 403 `device-person-mismatch`."""
    principal: Principal = request.auth  # type: ignore[attr-defined]
    assert principal.device is not None
    token, session = sign_in(
        device=principal.device,
        username=payload.username,
        password=payload.password,
        otp=payload.otp,
        request=request,
    )
    user = session.person
    return {
        "session_token": token,
        "expires_at": session.expires_at,
        "user": {**_person(user), "is_staff": bool(user.is_staff)},
    }


@router.delete("/session", response={204: None}, auth=DEVICE_SESSION, url_name="device_session")
def session_end(request: HttpRequest) -> Any:
    """Sign out on this device: the session token stops working."""
    principal: Principal = request.auth  # type: ignore[attr-defined]
    assert principal.device_session is not None
    sign_out(session=principal.device_session, request=request)
    return Status(204, None)


class RenewIn(Schema):
    csr: str = Field(max_length=8000, pattern=NO_NUL)


class RenewOut(Schema):
    certificate: str
    not_after: datetime


@router.post("/renew", response=RenewOut, auth=DEVICE_SESSION, url_name="device_renew")
def renew_certificate(request: HttpRequest, payload: RenewIn) -> Any:
    """A new certificate for this device (same key or a new one). From then on only the new
    certificate's key signs."""
    principal: Principal = request.auth  # type: ignore[attr-defined]
    assert principal.device is not None
    device = renew(device=principal.device, csr_pem=payload.csr, request=request)
    return {"certificate": device.certificate_pem, "not_after": device.certificate_not_after}


class UsageEntryIn(Schema):
    at: AwareDatetime
    event: str = Field(max_length=64, pattern=NO_NUL)
    detail: str = Field("", max_length=500, pattern=NO_NUL)


class UsageIn(Schema):
    entries: list[UsageEntryIn] = Field(max_length=MAX_USAGE_ENTRIES)


@router.post("/usage", response={204: None}, auth=DEVICE_SESSION, url_name="device_usage")
def upload_usage(request: HttpRequest, payload: UsageIn) -> Any:
    """Upload entries of the device's usage log (at most 500 per call)."""
    principal: Principal = request.auth  # type: ignore[attr-defined]
    assert principal.device is not None
    record_usage(device=principal.device, entries=[e.dict() for e in payload.entries])
    return Status(204, None)
