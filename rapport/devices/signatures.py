"""RFC 9421 HTTP Message Signatures on requests from enrolled devices (docs/devices.md).

Verification uses the `http-message-signatures` library (signature base, Structured Fields,
Ed25519, RFC 9530 Content-Digest); this module adds the site's policy on top of it:

* one signature, label `sig1`, `alg="ed25519"`, `keyid` = the device id;
* it covers `"@method" "@path" "@query" "content-digest"`, plus `"authorization"` whenever
  the request has that header; the digest is checked against the body (empty bodies too);
* `created` within ±RAPPORT_DEVICE_SIGNATURE_SKEW_SECONDS of the server's clock;
* a `nonce` of at least 16 characters, seen once per device within 10 minutes (the cache);
* the device is known, its certificate unexpired and signed by the site's CA (current or a
  previous one kept for rotation), and — checked last, after the signature — not revoked.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from http_message_signatures import (
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)
from http_message_signatures.exceptions import HTTPMessageSignaturesException

from rapport.devices import ca
from rapport.devices.models import Device

LABEL = "sig1"
ALGORITHM = "ed25519"
COVERED = ("@method", "@path", "@query", "content-digest")
MIN_NONCE_LENGTH = 16
NONCE_SECONDS = 600  # a nonce is remembered this long (twice the accepted clock skew)
# The URL handed to the library: only path and query are covered, so the host is a placeholder.
PLACEHOLDER_ORIGIN = "https://device.invalid"


class SignatureRefused(Exception):
    """The request is not a valid signed call from an enrolled device. `kind` names the
    problem type: "not-authenticated", "device-revoked" or "device-certificate-expired"."""

    def __init__(self, message: str, kind: str = "not-authenticated") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class _Message:
    """The library's request interface over a Django request."""

    method: str
    url: str
    headers: Any


class _DeviceKeys(HTTPSignatureKeyResolver):
    """Finds the device a keyid names and hands the library its certificate's key."""

    def __init__(self) -> None:
        self.device: Device | None = None

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        if not _valid_uuid(key_id):
            return None
        device = Device.objects.select_related("person").filter(public_id=key_id).first()
        if device is None:
            return None
        self.device = device
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(device.public_key))

    def resolve_private_key(self, key_id: str) -> Any:
        raise NotImplementedError("the server only verifies")


def _verifier(keys: _DeviceKeys) -> HTTPMessageVerifier:
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=keys)
    verifier.max_clock_skew = timedelta(seconds=int(settings.RAPPORT_DEVICE_SIGNATURE_SKEW_SECONDS))
    return verifier


def is_signed(request: HttpRequest) -> bool:
    return "Signature-Input" in request.headers or "Signature" in request.headers


def _valid_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def verify_request(request: HttpRequest) -> Device:
    """The enrolled device that signed `request`. Raises SignatureRefused (nothing written,
    except the nonce, which is remembered only once the signature has verified)."""
    headers = request.headers
    required = list(COVERED)
    if "Authorization" in headers:
        required.append("authorization")
    message = _Message(
        method=(request.method or "").upper(),
        url=PLACEHOLDER_ORIGIN + request.get_full_path(),
        headers=headers,
    )
    keys = _DeviceKeys()
    try:
        results = _verifier(keys).verify(
            message, max_age=timedelta(0), require_components=required, body=request.body
        )
    except (InvalidSignature, HTTPMessageSignaturesException, ValueError, TypeError) as exc:
        raise SignatureRefused(f"The request signature does not verify: {exc}") from exc
    result = results[0]
    params = result.parameters
    device = keys.device
    if device is None or len(results) != 1 or result.label != LABEL:
        raise SignatureRefused(f"Sign with one signature labelled {LABEL}.")
    if params.get("alg") != ALGORITHM:
        raise SignatureRefused('The signature must say alg="ed25519".')
    if set(result.covered_components) != {f'"{c}"' for c in required} | {'"@signature-params"'}:
        raise SignatureRefused("The signature covers other components than the API's.")
    nonce = str(params.get("nonce") or "")
    if len(nonce) < MIN_NONCE_LENGTH:
        raise SignatureRefused(f"The signature needs a nonce of {MIN_NONCE_LENGTH}+ characters.")
    if device.certificate_not_after <= timezone.now() or not ca.is_trusted(device.certificate_pem):
        raise SignatureRefused(
            "The device's certificate has expired: enrol the device again.",
            kind="device-certificate-expired",
        )
    if not device.is_active or not device.person.is_active:
        raise SignatureRefused("This device has been revoked.", kind="device-revoked")
    if not cache.add(f"devices:nonce:{device.public_id}:{nonce}", 1, NONCE_SECONDS):
        raise SignatureRefused("This signature's nonce was used already (a replay).")
    return device
