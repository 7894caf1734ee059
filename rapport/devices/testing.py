"""A signing test client: what the offline client does on the wire, for the server's tests.

`DeviceKey` makes an Ed25519 key and CSRs; `SignedClient` wraps Django's test `Client` and
signs every request per docs/devices.md with the same library the server verifies with
(`http-message-signatures`). Tests can tamper with a request after signing (`tamper=`) or pin
`created` and `nonce` to test clock skew and replays.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID
from django.test import Client
from http_message_signatures import HTTPMessageSigner, HTTPSignatureKeyResolver, algorithms

from rapport.devices.signatures import COVERED, LABEL, PLACEHOLDER_ORIGIN


class _Key(HTTPSignatureKeyResolver):
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        return self.key

    def resolve_public_key(self, key_id: str) -> Any:
        return self.key.public_key()


@dataclass
class DeviceKey:
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    def csr_pem(self, common_name: str = "offlineoffice") -> str:
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .sign(self.key, algorithm=None)
        )
        return csr.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class _Outgoing:
    method: str
    url: str
    headers: dict[str, str]


def signature_headers(
    *,
    key: Ed25519PrivateKey,
    device_id: str,
    method: str,
    path: str,
    body: bytes = b"",
    authorization: str | None = None,
    created: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Content-Digest, Signature-Input and Signature (and Authorization) for one request."""
    headers: dict[str, str] = {}
    covered = list(COVERED)
    if authorization is not None:
        headers["Authorization"] = authorization
        covered.append("authorization")
    message = _Outgoing(method=method.upper(), url=PLACEHOLDER_ORIGIN + path, headers=headers)
    HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_Key(key)).sign(
        message,
        key_id=device_id,
        label=LABEL,
        created=created,
        nonce=nonce or secrets.token_urlsafe(18),
        covered_component_ids=covered,
        body=body,
    )
    return headers


@dataclass
class SignedClient:
    """Django's test client, signing like the offline client. `session_token` adds
    `Authorization: Device <token>`."""

    key: Ed25519PrivateKey
    device_id: str
    session_token: str | None = None
    client: Client = field(default_factory=Client)

    def request(
        self,
        method: str,
        path: str,
        data: Any = None,
        *,
        query: dict[str, Any] | None = None,
        created: datetime | None = None,
        nonce: str | None = None,
        tamper: dict[str, Any] | None = None,
        authorization: str | None = None,
    ) -> Any:
        """Send one signed request. `tamper` changes "path", "query" or "body" after signing."""
        full = path + ("?" + urlencode(query) if query else "")
        body = b"" if data is None else json.dumps(data).encode()
        if authorization is None and self.session_token is not None:
            authorization = f"Device {self.session_token}"
        headers = signature_headers(
            key=self.key,
            device_id=self.device_id,
            method=method,
            path=full,
            body=body,
            authorization=authorization,
            created=created,
            nonce=nonce,
        )
        tamper = tamper or {}
        full = tamper.get("path", full)
        body = tamper.get("body", body)
        return self.client.generic(
            method.upper(),
            full,
            body,
            content_type="application/json",
            headers=headers,
        )

    # Django's test-client signatures (the permission matrix calls these); bodies are JSON.
    def get(self, path: str, data: Any = None, content_type: str | None = None, **kw: Any) -> Any:
        return self.request("GET", path, query=data or None, **kw)

    def post(self, path: str, data: Any = None, content_type: str | None = None, **kw: Any) -> Any:
        return self.request("POST", path, data, **kw)

    def delete(
        self, path: str, data: Any = None, content_type: str | None = None, **kw: Any
    ) -> Any:
        return self.request("DELETE", path, data or None, **kw)
