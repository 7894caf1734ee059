"""CPU cost of a signed device call (RFC 9421, Ed25519) next to a personal-token call, in process.

Enrols one device for a customer and signs it in, then sends CALLS requests to GET /api/v1/me
through Django's test client (full middleware and ninja) three ways: with a personal API token,
with the device session (signature checked, nonce remembered), and for scale, the signature
check alone (`devices.signatures.verify_request` on a prepared request), and the client-side signing
alone, to subtract from both. Reports CPU time
(process_time) per call, which machine load disturbs less than wall time. One JSON object on
stdout. Needs a migrated scratch database:

    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/devices/signed_calls.py --calls 500
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")  # the test client


def per_call_us(samples: list[float]) -> dict[str, float]:
    us = sorted(s * 1e6 for s in samples)
    return {
        "mean_us": round(statistics.fmean(us), 1),
        "p50_us": round(us[len(us) // 2], 1),
        "p95_us": round(us[int(len(us) * 0.95)], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()

    from rapport.devices.ca import new_key_pem

    os.environ.setdefault("RAPPORT_DEVICE_CA_KEY", new_key_pem())
    os.environ.setdefault("RAPPORT_API_RATE_TOKEN", "1000000")
    os.environ.setdefault("RAPPORT_API_RATE_DEVICE", "1000000")

    import django

    django.setup()
    from django.test import Client, RequestFactory
    from django.urls import reverse

    from rapport.accounts.models import User
    from rapport.accounts.services.api_tokens import create_token
    from rapport.customers.models import Customer
    from rapport.devices.services import enrol, issue_enrolment_code, sign_in
    from rapport.devices.signatures import verify_request
    from rapport.devices.testing import DeviceKey, SignedClient, signature_headers

    stamp = str(time.time_ns())
    password = "bench-password-" + stamp
    user = User.objects.create_user(email=f"bench-{stamp}@example.com", password=password)
    Customer.objects.create(user=user, email=user.email, name="Bench")
    key = DeviceKey()
    code = issue_enrolment_code(person=user, actor=None)
    device = enrol(
        code=code, csr_pem=key.csr_pem(), name="bench", platform="", client_version=""
    ).device
    token, _session = sign_in(device=device, username=user.email, password=password, otp=None)
    url = reverse("api-v1:me")

    signed = SignedClient(key=key.key, device_id=str(device.public_id), session_token=token)
    bearer = Client(
        headers={
            "authorization": "Bearer "
            + create_token(user=user, name="bench", scopes=["orders:read"])
        }
    )
    factory = RequestFactory()

    def measure(call) -> list[float]:
        call()  # warm
        samples = []
        for _ in range(args.calls):
            start = time.process_time()
            call()
            samples.append(time.process_time() - start)
        return samples

    def token_call() -> None:
        assert bearer.get(url).status_code == 200

    def device_call() -> None:
        assert signed.get(url).status_code == 200

    def verify_only() -> None:
        headers = signature_headers(
            key=key.key,
            device_id=str(device.public_id),
            method="GET",
            path=url,
            authorization=f"Device {token}",
        )
        request = factory.get(url, headers=headers)
        verify_request(request)

    def sign_only() -> None:
        signature_headers(
            key=key.key,
            device_id=str(device.public_id),
            method="GET",
            path=url,
            authorization=f"Device {token}",
        )

    result = {
        "calls": args.calls,
        "token_call": per_call_us(measure(token_call)),
        "device_call_including_client_signing": per_call_us(measure(device_call)),
        "signature_check_including_test_signing": per_call_us(measure(verify_only)),
        "test_signing_alone": per_call_us(measure(sign_only)),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
