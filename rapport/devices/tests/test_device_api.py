"""Enrolment, device sign-in and signed calls over HTTP (docs/devices.md)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from django.test import Client
from django.utils import timezone

from rapport.accounts.tests.helpers import code_for, enrolled_device
from rapport.core.models import AuditEntry
from rapport.devices import ca
from rapport.devices.models import Device, DeviceSession, DeviceStatus, DeviceUsage, EnrolmentCode
from rapport.devices.services import issue_enrolment_code, revoke_device
from rapport.devices.testing import DeviceKey, SignedClient
from rapport.devices.tests.conftest import JSON, api, enrol_body, enrol_device, sign_in

pytestmark = pytest.mark.django_db

PROBLEM = "https://rapport.dev/problems/"


def kind(response: Any) -> str:
    return response.json()["type"].removeprefix(PROBLEM)


def test_enrolment_issues_a_certificate_bound_to_person_and_device(people):
    ann, manager = people["customer"], people["manager"]
    code = issue_enrolment_code(person=ann, actor=manager)
    key = DeviceKey()

    response = Client().post(api("device_enrol"), enrol_body(code, key), content_type=JSON)

    assert response.status_code == 201
    body = response.json()
    device = Device.objects.get()
    assert body["device_id"] == str(device.public_id)
    assert body["person"] == {"id": str(ann.public_id), "name": "Ann", "email": ann.email}
    certificate = x509.load_pem_x509_certificate(body["certificate"].encode())
    ca_certificate = x509.load_pem_x509_certificate(body["ca_certificate"].encode())
    certificate.verify_directly_issued_by(ca_certificate)
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == [
        f"urn:uuid:{device.public_id}",
        f"urn:rapport:person:{ann.public_id}",
    ]
    assert certificate.public_key() == key.key.public_key()
    lifetime = certificate.not_valid_after_utc - timezone.now()
    assert timedelta(days=6, hours=23) < lifetime <= timedelta(days=7)
    assert device.person == ann and device.status == DeviceStatus.ACTIVE
    assert EnrolmentCode.objects.get().used_at is not None
    assert AuditEntry.objects.filter(action="device.enrolled").count() == 1


def test_the_ca_certificate_is_the_same_for_the_same_key():
    key = ca.authority().key
    assert ca.ca_certificate_for(key) == ca.ca_certificate_for(key)


@pytest.mark.parametrize("case", ["unknown", "used", "expired"])
def test_enrolment_with_an_unknown_used_or_expired_code_is_refused(people, case):
    ann, manager = people["customer"], people["manager"]
    code = issue_enrolment_code(person=ann, actor=manager)
    if case == "unknown":
        code = "AAAA-BBBB-CCCC-DDDD-EEEE"
    elif case == "used":
        first = Client().post(api("device_enrol"), enrol_body(code, DeviceKey()), content_type=JSON)
        assert first.status_code == 201
    else:
        EnrolmentCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    devices_before = Device.objects.count()

    response = Client().post(api("device_enrol"), enrol_body(code, DeviceKey()), content_type=JSON)

    assert response.status_code == 403
    assert kind(response) == "enrolment-refused"
    assert response.json()["detail"] == "This enrolment code is unknown, used or expired."
    assert Device.objects.count() == devices_before


def test_a_csr_that_is_not_ed25519_or_not_pem_is_refused_and_the_code_stays_usable(people):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.hashes import SHA256
    from cryptography.x509.oid import NameOID

    code = issue_enrolment_code(person=people["customer"], actor=people["manager"])
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")]))
        .sign(ec_key, SHA256())
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )
    for csr in ("not a csr", ec_csr):
        body = {**enrol_body(code, DeviceKey()), "csr": csr}
        response = Client().post(api("device_enrol"), body, content_type=JSON)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "body.csr"

    assert Device.objects.count() == 0
    assert EnrolmentCode.objects.get().used_at is None


def test_a_customer_signs_in_on_the_device_and_calls_the_api(people, password):
    ann = people["customer"]
    device = enrol_device(ann, people["manager"])

    response = sign_in(device, ann.email, password)

    assert response.status_code == 200
    assert response.json()["user"] == {
        "id": str(ann.public_id),
        "name": "Ann",
        "email": ann.email,
        "is_staff": False,
    }
    me = device.get(api("me"))
    assert me.status_code == 200
    assert me.json()["email"] == ann.email
    assert me.json()["via"] == "device"
    assert "orders:read" in me.json()["scopes"]
    session = DeviceSession.objects.get()
    assert session.digest != device.session_token  # stored hashed
    assert AuditEntry.objects.filter(action="device.signed_in").count() == 1


def test_staff_sign_in_needs_their_authenticator_code(people, password):
    emma = people["employee"]
    totp = enrolled_device(emma)
    device = enrol_device(emma, people["manager"])

    missing = sign_in(device, emma.email, password)
    wrong = sign_in(device, emma.email, password, otp="000000")
    assert (missing.status_code, kind(missing)) == (401, "otp-required")
    assert (wrong.status_code, kind(wrong)) == (401, "otp-required")
    assert DeviceSession.objects.count() == 0

    totp.refresh_from_db()
    totp.throttle_reset()  # django-otp makes the next try after a wrong code wait
    right = sign_in(device, emma.email, password, otp=code_for(totp))
    assert right.status_code == 200
    assert right.json()["user"]["is_staff"] is True
    assert device.get(api("customers")).status_code == 200


def test_only_the_devices_own_person_may_sign_in_on_it(people, password):
    device = enrol_device(people["customer"], people["manager"])

    response = sign_in(device, people["other_customer"].email, password)

    assert response.status_code == 403
    assert kind(response) == "device-person-mismatch"
    assert DeviceSession.objects.count() == 0


def test_a_valid_device_with_another_persons_session_is_refused(people, password, ann_device):
    bob_device = enrol_device(people["other_customer"], people["manager"])
    assert sign_in(bob_device, people["other_customer"].email, password).status_code == 200

    # Ann's device (its own key and signature) carrying Bob's session token.
    ann_device.session_token = bob_device.session_token
    response = ann_device.get(api("me"))

    assert response.status_code == 401
    assert kind(response) == "not-authenticated"


def test_wrong_passwords_count_against_the_login_delays(people, password, settings):
    settings.RAPPORT_LOGIN_FREE_FAILURES = 2
    ann = people["customer"]
    device = enrol_device(ann, people["manager"])

    for _ in range(3):
        assert sign_in(device, ann.email, "wrong password").status_code == 401
    refused = sign_in(device, ann.email, password)

    assert (refused.status_code, kind(refused)) == (401, "sign-in-failed")
    assert DeviceSession.objects.count() == 0


def test_a_request_signed_by_an_unknown_device_is_refused(people, ann_device):
    stranger = SignedClient(
        key=DeviceKey().key,
        device_id="00000000-0000-4000-8000-000000000000",
        session_token=ann_device.session_token,
    )
    assert stranger.get(api("me")).status_code == 401


def test_a_key_other_than_the_certificates_is_refused(ann_device):
    forged = SignedClient(
        key=DeviceKey().key, device_id=ann_device.device_id, session_token=ann_device.session_token
    )
    assert forged.get(api("me")).status_code == 401


def test_a_revoked_device_is_refused_on_its_very_next_call(people, ann_device):
    assert ann_device.get(api("me")).status_code == 200

    revoke_device(device=Device.objects.get(), actor=people["manager"])
    response = ann_device.get(api("me"))

    assert response.status_code == 401
    assert kind(response) == "device-revoked"
    assert DeviceSession.objects.get().ended_at is not None


def test_a_stolen_certificate_without_the_session_gets_nothing(ann_device):
    thief = SignedClient(key=ann_device.key, device_id=ann_device.device_id)

    assert thief.get(api("me")).status_code == 401
    assert thief.get(api("orders")).status_code == 401
    thief.session_token = "made-up-token"
    assert thief.get(api("me")).status_code == 401


def test_a_session_token_without_a_signature_is_refused(ann_device):
    bare = Client(headers={"authorization": f"Device {ann_device.session_token}"})
    response = bare.get(api("me"))
    assert response.status_code == 401
    assert "signed" in response.json()["detail"]


@pytest.mark.parametrize(
    "tamper",
    [
        {"body": b'{"entries": []}'},
        {"path": "/api/v1/devices/usage?x=1"},
        {"path": "/api/v1/devices/renew"},
    ],
    ids=["body", "query", "path"],
)
def test_a_tampered_request_is_refused(ann_device, tamper):
    entry = {"at": "2026-12-06T10:00:00+00:00", "event": "sync", "detail": "ok"}

    response = ann_device.post(api("device_usage"), {"entries": [entry]}, tamper=tamper)

    assert response.status_code == 401
    assert DeviceUsage.objects.count() == 0


def test_an_authorization_header_not_covered_by_the_signature_is_refused(ann_device):
    from rapport.devices.testing import signature_headers

    headers = signature_headers(
        key=ann_device.key, device_id=ann_device.device_id, method="GET", path=api("me")
    )
    headers["Authorization"] = f"Device {ann_device.session_token}"
    assert Client().get(api("me"), headers=headers).status_code == 401


def test_a_replayed_nonce_is_refused(ann_device):
    nonce = "the-same-nonce-twice-0123"
    assert ann_device.get(api("me"), nonce=nonce).status_code == 200

    assert ann_device.get(api("me"), nonce=nonce).status_code == 401
    assert ann_device.get(api("me"), nonce="too-short").status_code == 401


@pytest.mark.parametrize(
    ("offset", "status"), [(-301, 401), (301, 401), (-290, 200), (290, 200)], ids=str
)
def test_signatures_are_accepted_within_five_minutes_of_the_servers_clock(
    ann_device, offset, status
):
    created = datetime.fromtimestamp(time.time() + offset, tz=UTC)
    assert ann_device.get(api("me"), created=created).status_code == status


def test_an_expired_certificate_is_refused(ann_device):
    Device.objects.update(certificate_not_after=timezone.now() - timedelta(seconds=1))
    response = ann_device.get(api("me"))
    assert (response.status_code, kind(response)) == (401, "device-certificate-expired")


def test_renewal_with_a_new_key_retires_the_old_key_at_once(ann_device):
    old_serial = Device.objects.get().certificate_serial
    new_key = DeviceKey()

    response = ann_device.post(api("device_renew"), {"csr": new_key.csr_pem()})

    assert response.status_code == 200
    certificate = x509.load_pem_x509_certificate(response.json()["certificate"].encode())
    assert certificate.public_key() == new_key.key.public_key()
    device = Device.objects.get()
    assert device.certificate_serial != old_serial
    assert ann_device.get(api("me")).status_code == 401  # the old key no longer signs
    ann_device.key = new_key.key
    assert ann_device.get(api("me")).status_code == 200
    assert AuditEntry.objects.filter(action="device.renewed").count() == 1


def test_renewal_with_the_same_key_extends_the_certificate(ann_device):
    Device.objects.update(certificate_not_after=timezone.now() + timedelta(days=1))
    key = DeviceKey(key=ann_device.key)

    response = ann_device.post(api("device_renew"), {"csr": key.csr_pem()})

    assert response.status_code == 200
    assert Device.objects.get().certificate_not_after > timezone.now() + timedelta(days=6)
    assert ann_device.get(api("me")).status_code == 200


def test_a_certificate_from_a_ca_the_site_does_not_trust_is_refused(ann_device, settings):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other_ca = Ed25519PrivateKey.generate()
    device = Device.objects.get()
    forged = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(ca.ca_certificate_for(other_ca).subject)
        .public_key(ann_device.key.public_key())
        .serial_number(1)
        .not_valid_before(timezone.now() - timedelta(days=1))
        .not_valid_after(timezone.now() + timedelta(days=1))
        .sign(other_ca, algorithm=None)
    )
    from cryptography.hazmat.primitives import serialization

    device.certificate_pem = forged.public_bytes(serialization.Encoding.PEM).decode()
    device.save(update_fields=["certificate_pem"])

    assert ann_device.get(api("me")).status_code == 401


def test_usage_entries_are_stored_and_capped_at_500_per_call(ann_device):
    entry = {"at": "2026-12-06T10:00:00+00:00", "event": "sync", "detail": "3 pushed"}

    stored = ann_device.post(api("device_usage"), {"entries": [entry, entry]})
    too_many = ann_device.post(api("device_usage"), {"entries": [entry] * 501})

    assert stored.status_code == 204
    assert too_many.status_code == 422
    assert DeviceUsage.objects.count() == 2
    assert DeviceUsage.objects.first().detail == "3 pushed"


def test_sign_out_ends_the_session(ann_device):
    assert ann_device.delete(api("device_session")).status_code == 204

    assert ann_device.get(api("me")).status_code == 401
    assert DeviceSession.objects.get().ended_at is not None


def test_an_idle_session_ends(ann_device):
    DeviceSession.objects.update(last_used_at=timezone.now() - timedelta(hours=12, seconds=1))
    assert ann_device.get(api("me")).status_code == 401


def test_calls_are_counted_with_at_most_one_write_a_minute(ann_device):
    from django.core.cache import cache

    cache.clear()  # forget the sign-in call counted so far
    Device.objects.update(last_seen_at=timezone.now() - timedelta(minutes=2), call_count=0)
    ann_device.client.defaults["HTTP_USER_AGENT"] = "OfflineOffice/0.2.0 (linux)"

    for _ in range(3):
        assert ann_device.get(api("me")).status_code == 200

    device = Device.objects.get()
    assert device.call_count == 1  # written on the first call; the next two wait in the cache
    assert device.client_version == "0.2.0"
    assert device.last_seen_at > timezone.now() - timedelta(minutes=1)


def test_enrolment_refuses_clearly_without_a_ca_key(people, settings):
    settings.RAPPORT_DEVICE_CA_GENERATE = False
    ca.authority.cache_clear()
    code = issue_enrolment_code(person=people["customer"], actor=people["manager"])
    try:
        response = Client().post(
            api("device_enrol"), enrol_body(code, DeviceKey()), content_type=JSON
        )
    finally:
        ca.authority.cache_clear()

    assert response.status_code == 503
    assert kind(response) == "devices-unavailable"
    assert EnrolmentCode.objects.get().used_at is None
