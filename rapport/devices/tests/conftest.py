"""Enrolled devices for the tests: enrol over HTTP, sign in over HTTP, as the client does."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rapport.devices.services import issue_enrolment_code
from rapport.devices.testing import DeviceKey, SignedClient

JSON = "application/json"


def api(name: str) -> str:
    return reverse(f"api-v1:{name}")


def enrol_body(code: str, key: DeviceKey, **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "csr": key.csr_pem(),
        "name": "Ann's laptop",
        "platform": "linux",
        "client_version": "0.1.0",
        **extra,
    }


def enrol_device(person: Any, manager: Any) -> SignedClient:
    """A device enrolled for `person` with a code from `manager` (not signed in yet)."""
    code = issue_enrolment_code(person=person, actor=manager)
    key = DeviceKey()
    response = Client().post(api("device_enrol"), enrol_body(code, key), content_type=JSON)
    assert response.status_code == 201, response.content
    return SignedClient(key=key.key, device_id=response.json()["device_id"])


def sign_in(device: SignedClient, email: str, password: str, otp: str | None = None) -> Any:
    response = device.post(
        api("device_session"), {"username": email, "password": password, "otp": otp}
    )
    if response.status_code == 200:
        device.session_token = response.json()["session_token"]
    return response


@pytest.fixture
def ann_device(people: dict[str, Any], password: str) -> SignedClient:
    """The customer's enrolled device, signed in."""
    device = enrol_device(people["customer"], people["manager"])
    assert sign_in(device, people["customer"].email, password).status_code == 200
    return device
