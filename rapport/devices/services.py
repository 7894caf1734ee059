"""Writes for enrolled devices: codes, enrolment, renewal, revocation, sessions, usage.

Every state change is audited (on the person's timeline when they are a customer). Codes and
session tokens exist in clear only in the response that hands them out.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from rapport.accounts import lockout
from rapport.accounts.backends import STAFF, STORE
from rapport.accounts.errors import InvalidCode
from rapport.accounts.models import User
from rapport.accounts.services.two_factor import has_two_factor, verify_second_factor
from rapport.core import audit
from rapport.core.audit import client_ip
from rapport.devices import ca
from rapport.devices.errors import (
    EnrolmentRefused,
    InvalidRequest,
    PersonMismatch,
    SecondFactorNeeded,
    SignInFailed,
)
from rapport.devices.models import Device, DeviceSession, DeviceStatus, DeviceUsage, EnrolmentCode

# Enrolment codes: 20 characters from an alphabet without look-alikes (100 bits), shown in
# groups of four; case, spaces and dashes do not matter when typed.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 20
MAX_USAGE_ENTRIES = 500
# last_seen_at, last_ip, client_version and call_count are written at most this often.
SEEN_EVERY = timedelta(minutes=1)
SESSION_TOUCH_EVERY = timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _normal_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _customer_of(user: Any) -> Any:
    if user is None or user.is_staff:
        return None
    from rapport.customers.models import Customer

    return Customer.objects.filter(user=user).first()


def issue_enrolment_code(*, person: User, actor: Any, request: HttpRequest | None = None) -> str:
    """A new one-time code for `person` to enrol one device, valid RAPPORT_DEVICE_CODE_HOURS.
    Returned once (only its digest is stored). Audited."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    with transaction.atomic():
        row = EnrolmentCode.objects.create(
            digest=_digest(raw),
            person=person,
            issued_by=actor,
            expires_at=timezone.now() + timedelta(hours=int(settings.RAPPORT_DEVICE_CODE_HOURS)),
        )
        audit.record(
            action="device.code_issued",
            actor=actor,
            target=person,
            customer=_customer_of(person),
            request=request,
            summary=f"Device enrolment code issued for {person}",
            data={"code": row.pk, "expires_at": row.expires_at.isoformat()},
        )
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def _public_key_of_csr(csr_pem: str) -> Ed25519PublicKey:
    try:
        csr = x509.load_pem_x509_csr((csr_pem or "").encode())
        public_key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise InvalidRequest(_("The CSR is not a PEM certificate request."), "csr") from exc
    if not isinstance(public_key, Ed25519PublicKey):
        raise InvalidRequest(_("The device key must be an Ed25519 key."), "csr")
    if not csr.is_signature_valid:
        raise InvalidRequest(_("The CSR is not signed by its own key."), "csr")
    return public_key


def _install_certificate(device: Device, public_key: Ed25519PublicKey, now: datetime) -> None:
    certificate = ca.issue_certificate(
        public_key=public_key,
        device_id=device.public_id,
        person_id=device.person.public_id,
        now=now,
    )
    device.public_key = base64.b64encode(ca.raw_public_key(public_key)).decode()
    device.certificate_serial = format(certificate.serial_number, "x")
    device.certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    device.certificate_not_after = certificate.not_valid_after_utc


@dataclass(frozen=True)
class Enrolled:
    device: Device
    ca_certificate_pem: str


def enrol(
    *,
    code: str,
    csr_pem: str,
    name: str,
    platform: str,
    client_version: str,
    request: HttpRequest | None = None,
) -> Enrolled:
    """Turn a one-time code and a CSR into a device with a certificate for the code's person.

    Raises EnrolmentRefused for an unknown, used or expired code (or an inactive person),
    InvalidRequest for a CSR that is not a self-signed Ed25519 request, and
    CertificateAuthorityMissing when no CA key is configured; nothing is written then.
    """
    authority = ca.authority()  # fail before touching the code when the CA is missing
    digest = _digest(_normal_code(code))
    now = timezone.now()
    with transaction.atomic():
        row = (
            EnrolmentCode.objects.select_for_update()
            .select_related("person")
            .filter(digest=digest)
            .first()
        )
        if (
            row is None
            or row.used_at is not None
            or row.expires_at <= now
            or not row.person.is_active
        ):
            raise EnrolmentRefused(_("This enrolment code is unknown, used or expired."))
        public_key = _public_key_of_csr(csr_pem)
        device = Device(
            person=row.person,
            name=(name or "").strip()[:100] or _("Device"),
            platform=(platform or "").strip()[:100],
            client_version=(client_version or "").strip()[:40],
            enrolled_at=now,
            last_seen_at=now,
            last_ip=client_ip(request),
        )
        _install_certificate(device, public_key, now)
        device.save()
        row.used_at = now
        row.device = device
        row.save(update_fields=["used_at", "device"])
        audit.record(
            action="device.enrolled",
            actor=row.person,
            target=device,
            customer=_customer_of(row.person),
            request=request,
            summary=f"Device {device.name} enrolled",
            data={
                "device": str(device.public_id),
                "serial": device.certificate_serial,
                "platform": device.platform,
                "client_version": device.client_version,
            },
        )
    return Enrolled(device=device, ca_certificate_pem=authority.certificate_pem)


def renew(*, device: Device, csr_pem: str, request: HttpRequest | None = None) -> Device:
    """A new certificate for an active device (the CSR may carry the same key or a new one).
    From then on only the new certificate's key verifies. Raises InvalidRequest. Audited."""
    public_key = _public_key_of_csr(csr_pem)
    now = timezone.now()
    with transaction.atomic():
        locked = Device.objects.select_for_update().select_related("person").get(pk=device.pk)
        if not locked.is_active:
            raise EnrolmentRefused(_("This device is revoked."))
        previous = locked.certificate_serial
        _install_certificate(locked, public_key, now)
        locked.save(
            update_fields=[
                "public_key",
                "certificate_serial",
                "certificate_pem",
                "certificate_not_after",
            ]
        )
        audit.record(
            action="device.renewed",
            actor=locked.person,
            target=locked,
            customer=_customer_of(locked.person),
            request=request,
            summary=f"Device {locked.name}: certificate renewed",
            data={
                "device": str(locked.public_id),
                "serial": locked.certificate_serial,
                "previous_serial": previous,
            },
        )
    return locked


def revoke_device(*, device: Device, actor: Any, request: HttpRequest | None = None) -> Device:
    """Revoke a device: its very next call is refused, its sessions end. Idempotent, audited."""
    now = timezone.now()
    with transaction.atomic():
        locked = Device.objects.select_for_update().select_related("person").get(pk=device.pk)
        if locked.status == DeviceStatus.REVOKED:
            return locked
        locked.status = DeviceStatus.REVOKED
        locked.revoked_at = now
        locked.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
        locked.save(update_fields=["status", "revoked_at", "revoked_by"])
        DeviceSession.objects.filter(device=locked, ended_at__isnull=True).update(ended_at=now)
        audit.record(
            action="device.revoked",
            actor=actor,
            target=locked,
            customer=_customer_of(locked.person),
            request=request,
            summary=f"Device {locked.name} revoked",
            data={"device": str(locked.public_id), "serial": locked.certificate_serial},
        )
    return locked


def sign_in(
    *,
    device: Device,
    username: str,
    password: str,
    otp: str | None,
    request: HttpRequest | None = None,
) -> tuple[str, DeviceSession]:
    """Sign the device's person in on the device; returns the session token (once) and row.

    The password goes through the same entrance and brute-force delays as the login pages
    (`accounts.lockout`, the staff entrance for staff); staff, and customers who turned two-
    factor on, also give their authenticator or a recovery code. Raises SignInFailed,
    SecondFactorNeeded or PersonMismatch (another person's account). Audited.
    """
    entrance = STAFF if device.person.is_staff else STORE
    email = (username or "").strip().lower()
    gate = lockout.check(request=request, email=email, entrance=entrance)
    if not gate.open:
        make_password(password)  # as long as a real check; not counted
        raise SignInFailed(_("That email and password do not match an account here."))
    user = authenticate(request, username=email, password=password, entrance=entrance)
    if user is None:
        lockout.record_failure(request=request, email=email, entrance=entrance)
        raise SignInFailed(_("That email and password do not match an account here."))
    lockout.record_success(request=request, email=email, entrance=entrance)
    if user.pk != device.person_id:
        with transaction.atomic():
            audit.record(
                action="device.sign_in_refused",
                actor=user,
                target=device,
                request=request,
                summary=f"Sign-in refused on {device.name}: it belongs to someone else",
                data={"device": str(device.public_id)},
            )
        raise PersonMismatch(_("This device is enrolled for someone else."))
    if user.is_staff or has_two_factor(user):
        if not otp:
            raise SecondFactorNeeded(_("Give the code from your authenticator app."))
        try:
            verify_second_factor(user=user, code=otp, request=request)
        except InvalidCode as exc:
            raise SecondFactorNeeded(_("That code is wrong or was used already.")) from exc
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        session = DeviceSession.objects.create(
            digest=_digest(token),
            device=device,
            person=user,
            last_used_at=now,
            expires_at=now + timedelta(days=int(settings.RAPPORT_DEVICE_SESSION_MAX_DAYS)),
        )
        audit.record(
            action="device.signed_in",
            actor=user,
            target=device,
            customer=_customer_of(user),
            request=request,
            summary=f"Signed in on device {device.name}",
            data={"device": str(device.public_id)},
        )
    return token, session


def idle_limit() -> timedelta:
    return timedelta(hours=int(settings.RAPPORT_DEVICE_SESSION_IDLE_HOURS))


def session_expires_at(session: DeviceSession) -> datetime:
    """When the session ends if it stays idle (never later than its absolute end)."""
    return min(session.expires_at, session.last_used_at + idle_limit())


def session_for(*, device: Device, token: str) -> DeviceSession | None:
    """The live session `token` names on `device`, for the device's own person, or None.
    Touches `last_used_at` (at most once a minute), which keeps it from going idle."""
    row = DeviceSession.objects.filter(digest=_digest(token or "")).first()
    if row is None or not hmac.compare_digest(row.digest, _digest(token or "")):
        return None
    now = timezone.now()
    if (
        row.device_id != device.pk
        or row.person_id != device.person_id
        or row.ended_at is not None
        or session_expires_at(row) <= now
    ):
        return None
    if now - row.last_used_at >= SESSION_TOUCH_EVERY:
        DeviceSession.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row


def sign_out(*, session: DeviceSession, request: HttpRequest | None = None) -> None:
    """End a device session (its token stops working at once). Audited."""
    with transaction.atomic():
        updated = DeviceSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )
        if updated:
            audit.record(
                action="device.signed_out",
                actor=session.person,
                target=session.device,
                customer=_customer_of(session.person),
                request=request,
                summary=f"Signed out on device {session.device.name}",
                data={"device": str(session.device.public_id)},
            )


def record_usage(*, device: Device, entries: list[dict[str, Any]]) -> int:
    """Store the client's usage log entries (at most 500 per call); returns how many.
    Raises InvalidRequest for too many entries or a time that does not parse (nothing stored).
    Not audited one by one: the log is its own record."""
    if len(entries) > MAX_USAGE_ENTRIES:
        raise InvalidRequest(
            _("Send at most %(n)s entries per call.") % {"n": MAX_USAGE_ENTRIES}, "entries"
        )
    rows = []
    for index, entry in enumerate(entries):
        at = entry["at"]
        if isinstance(at, str):
            at = parse_datetime(at)
        if at is None:
            raise InvalidRequest(_("The entry's time does not parse."), f"entries.{index}.at")
        if timezone.is_naive(at):
            at = timezone.make_aware(at, UTC)
        rows.append(
            DeviceUsage(
                device=device,
                at=at,
                event=str(entry.get("event", ""))[:64],
                detail=str(entry.get("detail", ""))[:500],
            )
        )
    DeviceUsage.objects.bulk_create(rows)
    return len(rows)


def _pending_calls_key(device: Device) -> str:
    return f"devices:calls:{device.pk}"


def record_call(*, device: Device, ip: str | None, client_version: str | None) -> None:
    """Count one signed call. The database is written at most once a minute per device
    (last seen, address, client version and the calls counted in the cache meanwhile)."""
    from django.core.cache import cache

    key = _pending_calls_key(device)
    cache.add(key, 0, 3600)
    try:
        pending = cache.incr(key)
    except ValueError:
        cache.set(key, 1, 3600)
        pending = 1
    now = timezone.now()
    if device.last_seen_at is not None and now - device.last_seen_at < SEEN_EVERY:
        return
    with contextlib.suppress(ValueError):
        cache.decr(key, pending)
    values: dict[str, Any] = {
        "last_seen_at": now,
        "last_ip": ip,
        "call_count": F("call_count") + pending,
    }
    if client_version:
        values["client_version"] = client_version[:40]
    Device.objects.filter(pk=device.pk).update(**values)
    device.last_seen_at = now
