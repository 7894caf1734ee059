"""Second factor (django-otp): TOTP authenticator apps and single-use recovery codes."""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.http import HttpRequest
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from rapport.accounts.errors import InvalidCode
from rapport.core import audit

TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"
RECOVERY_CODE_COUNT = 10


def confirmed_totp(user: Any) -> TOTPDevice | None:
    """The user's working authenticator, if they have enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_two_factor(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def manual_key(device: TOTPDevice) -> str:
    """The secret as the base32 text authenticator apps accept, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no external request, no inline script)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def start_totp_enrolment(*, user: Any) -> TOTPDevice:
    """An unconfirmed authenticator to show as a QR code (reused until it is confirmed)."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
        return device


def confirm_totp_enrolment(
    *, user: Any, code: str, request: HttpRequest | None = None
) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with a code from it; replace any older devices and issue
    fresh recovery codes (returned once, stored only by django-otp). Raises InvalidCode."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-id")
            .first()
        )
        if device is None or not device.verify_token(_digits(code)):
            raise InvalidCode()
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        audit.record(
            action="auth.2fa_enrolled",
            actor=user,
            target=user,
            customer=_customer_of(user),
            request=request,
            summary="Two-factor authentication enrolled",
        )
        return device, codes


def verify_second_factor(*, user: Any, code: str, request: HttpRequest | None = None) -> Device:
    """The device that accepts `code`: the authenticator, else one recovery code (used up).

    django-otp throttles each device after failures. Raises InvalidCode (audit-logged).
    """
    code = (code or "").strip()
    with transaction.atomic():
        totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if totp is not None and _digits(code).isdigit() and totp.verify_token(_digits(code)):
            return totp
        static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if static is not None and static.verify_token(code.replace(" ", "").lower()):
            audit.record(
                action="auth.recovery_code_used",
                actor=user,
                target=user,
                customer=_customer_of(user),
                request=request,
                summary="A recovery code was used to log in",
            )
            return static
    with transaction.atomic():
        audit.record(
            action="auth.2fa_failed",
            target=user,
            customer=_customer_of(user),
            request=request,
            summary="Wrong second-factor code",
        )
    raise InvalidCode()


def regenerate_recovery_codes(*, user: Any, request: HttpRequest | None = None) -> list[str]:
    """Replace the recovery codes (the old ones stop working). Returns the new ones, once."""
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        audit.record(
            action="auth.recovery_codes_renewed",
            actor=user,
            target=user,
            customer=_customer_of(user),
            request=request,
            summary="Recovery codes replaced",
        )
        return codes


def disable_two_factor(*, user: Any, request: HttpRequest | None = None) -> None:
    """A customer switches their optional second factor off (staff cannot: it is required)."""
    if user.is_staff:
        raise InvalidCode()
    with transaction.atomic():
        delete_devices(user)
        audit.record(
            action="auth.2fa_disabled",
            actor=user,
            target=user,
            customer=_customer_of(user),
            request=request,
            summary="Two-factor authentication switched off",
        )


def delete_devices(user: Any) -> int:
    """Remove every OTP device of `user`; returns how many (callers audit)."""
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    return removed


def _new_recovery_codes(user: Any) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def _digits(code: str) -> str:
    return "".join((code or "").split())


def _customer_of(user: Any) -> Any:
    if user is None or user.is_staff:
        return None
    from rapport.customers.models import Customer

    return Customer.objects.filter(user=user).first()
