"""Driving the two entrances over HTTP, as a browser would."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

STAFF_LOGIN = f"/{settings.RAPPORT_STAFF_PATH}/login/"


def code_for(device: TOTPDevice, offset_steps: int = 0) -> str:
    """The device's current TOTP code (optionally `offset_steps` steps later)."""
    value = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0 - offset_steps * device.step,
        digits=device.digits,
        drift=device.drift,
    )
    return f"{value:0{device.digits}d}"


def enrolled_device(user: Any) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def form_token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match, "the staff login form has no one-time token"
    return match.group(1)


def staff_password_step(client: Any, email: str, password: str) -> Any:
    page = client.get(STAFF_LOGIN)
    assert page.status_code == 200
    return client.post(
        STAFF_LOGIN,
        {"username": email, "password": password, "form_token": form_token(page.content.decode())},
    )


def store_login(client: Any, email: str, password: str) -> Any:
    return client.post(reverse("storefront:login"), {"username": email, "password": password})
