"""Permission matrix of the device routes, called by each actor's own enrolled and signed-in
device (signed requests + device session); anonymous calls unsigned. Browser sessions and
tokens on these routes: see test_permission_matrix.api_rows."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from rapport.accounts.tests.helpers import code_for, enrolled_device
from rapport.core.testing import ALLOW, FORBIDDEN, Row, check_matrix, expect
from rapport.devices.testing import DeviceKey
from rapport.devices.tests.conftest import enrol_device, sign_in

pytestmark = pytest.mark.django_db

UNAUTHORIZED = 401
NO_CONTENT = 204
JSON = "application/json"


def api(name: str) -> str:
    return reverse(f"api-v1:{name}")


@pytest.fixture
def device_clients(people: dict[str, Any], password: str) -> dict[str, Any]:
    result: dict[str, Any] = {"anonymous": Client()}
    for actor, user in people.items():
        if user is None:
            continue
        otp = code_for(enrolled_device(user)) if user.is_staff else None
        device = enrol_device(user, people["manager"])
        assert sign_in(device, user.email, password, otp=otp).status_code == 200
        result[actor] = device
    return result


def test_device_routes_matrix_with_enrolled_devices(people, device_clients, password):
    entry = {"at": "2026-12-06T10:00:00+00:00", "event": "sync", "detail": "ok"}
    bad_code = {"code": "NOPE", "csr": DeviceKey().csr_pem(), "name": "x"}
    ann = people["customer"]
    rows = [
        Row(
            "api-v1:device_enrol",
            api("device_enrol"),
            expect(everyone=FORBIDDEN),
            method="post",
            data=bad_code,
            content_type=JSON,
        ),
        Row(
            # Ann's credentials: only on Ann's own device; a staff device checks them at the
            # staff entrance, where a customer's account does not sign in.
            "api-v1:device_session",
            api("device_session"),
            expect(
                anonymous=UNAUTHORIZED,
                customer=ALLOW,
                other_customer=FORBIDDEN,
                staff=UNAUTHORIZED,
            ),
            method="post",
            data={"username": ann.email, "password": password},
            content_type=JSON,
        ),
        Row("api-v1:me", api("me"), expect(anonymous=UNAUTHORIZED, signed_in=ALLOW)),
        Row(
            "api-v1:device_usage",
            api("device_usage"),
            expect(anonymous=UNAUTHORIZED, signed_in=NO_CONTENT),
            method="post",
            data={"entries": [entry]},
            content_type=JSON,
        ),
    ]
    assert check_matrix(rows, device_clients, {}) == []


def test_device_renew_and_sign_out_matrix(people, device_clients):
    # Each device renews with its own key (a fixed row body would move every device to one key).
    for actor, client in device_clients.items():
        if actor == "anonymous":
            response = client.post(api("device_renew"), {"csr": DeviceKey().csr_pem()}, JSON)
            assert response.status_code == UNAUTHORIZED
            assert client.delete(api("device_session")).status_code == UNAUTHORIZED
            continue
        csr = DeviceKey(key=client.key).csr_pem()
        assert client.post(api("device_renew"), {"csr": csr}).status_code == ALLOW, actor
        assert client.delete(api("device_session")).status_code == NO_CONTENT, actor
        assert client.get(api("me")).status_code == UNAUTHORIZED, actor
