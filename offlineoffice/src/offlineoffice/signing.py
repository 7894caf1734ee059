"""RFC 9421 HTTP Message Signatures for every call after enrolment (docs/offline-client.md).

Label `sig1`; covered, in this order: "@method" "@path" "@query" "content-digest" and, when the
request has one, "authorization"; parameters created, keyid (the device id), alg="ed25519" and
a fresh random nonce. Content-Digest (RFC 9530, sha-256) is sent for every body, empty too.
The library `http-message-signatures` builds the signature base; this module only adapts an
httpx request to it.
"""

from __future__ import annotations

import secrets
from types import SimpleNamespace
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import HTTPMessageSigner, HTTPSignatureKeyResolver, algorithms

LABEL = "sig1"
COMPONENTS = ("@method", "@path", "@query", "content-digest")


class _DeviceKey(HTTPSignatureKeyResolver):
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        return self.key

    def resolve_public_key(self, key_id: str) -> Any:
        return self.key.public_key()


def sign_request(request: httpx.Request, *, key: Ed25519PrivateKey, device_id: str) -> None:
    """Add Content-Digest, Signature-Input and Signature to `request` (in place).

    Each call makes a new nonce, so a retried request is a new signed message.
    """
    body = request.read()
    covered = COMPONENTS + (("authorization",) if "authorization" in request.headers else ())
    message = SimpleNamespace(method=request.method, url=str(request.url), headers=request.headers)
    HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_DeviceKey(key)).sign(
        message,
        key_id=device_id,
        nonce=secrets.token_urlsafe(18),
        label=LABEL,
        covered_component_ids=covered,
        body=body,
    )
