"""The site's own certificate authority for enrolled devices (docs/devices.md, ADR 0008).

The CA key is Ed25519, read from `RAPPORT_DEVICE_CA_KEY` (PEM) or `RAPPORT_DEVICE_CA_KEY_FILE`.
Under DEBUG (and in tests) a key is generated in VAR_DIR when neither is set; otherwise
`authority()` raises `CertificateAuthorityMissing` and enrolment refuses with a clear error.

The CA certificate is derived from the key alone (fixed names, dates and serial; Ed25519
signatures are deterministic), so every process and every restart has the same one without a
second setting. Rotation: set the new key, and put the old CA certificate (`manage.py
device_ca --certificate` before the change) in `RAPPORT_DEVICE_CA_PREVIOUS_CERTS_FILE` until
the certificates it signed have expired (`RAPPORT_DEVICE_CERT_DAYS`); devices pick up the new
CA at their next renewal.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CA_NAME = "Rapport device CA"
GENERATED_KEY_FILE = "device-ca-key.pem"
# The derived CA certificate's fixed validity: it is as long-lived as its key.
CA_NOT_BEFORE = datetime(2026, 1, 1, tzinfo=UTC)
CA_NOT_AFTER = datetime(2126, 1, 1, tzinfo=UTC)
PERSON_URN = "urn:rapport:person:"


class CertificateAuthorityMissing(ImproperlyConfigured):
    """No CA key configured outside DEBUG: devices cannot be enrolled or renewed."""


@dataclass(frozen=True)
class Authority:
    key: Ed25519PrivateKey
    certificate: x509.Certificate
    previous: tuple[x509.Certificate, ...]

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()


def _parse_key(pem: bytes, where: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise CertificateAuthorityMissing(f"{where} is not a PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CertificateAuthorityMissing(f"{where} must be an Ed25519 key.")
    return key


def _generated_key() -> Ed25519PrivateKey:
    """DEBUG only: the key in VAR_DIR, made once (atomically, so parallel processes agree)."""
    path = Path(settings.VAR_DIR) / GENERATED_KEY_FILE
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        tmp.write_bytes(pem)
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # fails if another process made it first: then use theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return _parse_key(path.read_bytes(), str(path))


def _load_key() -> Ed25519PrivateKey:
    if settings.RAPPORT_DEVICE_CA_KEY:
        return _parse_key(settings.RAPPORT_DEVICE_CA_KEY.encode(), "RAPPORT_DEVICE_CA_KEY")
    if settings.RAPPORT_DEVICE_CA_KEY_FILE:
        path = Path(settings.RAPPORT_DEVICE_CA_KEY_FILE)
        try:
            pem = path.read_bytes()
        except OSError as exc:
            raise CertificateAuthorityMissing(
                f"RAPPORT_DEVICE_CA_KEY_FILE cannot be read: {exc}"
            ) from exc
        return _parse_key(pem, str(path))
    if settings.DEBUG or settings.RAPPORT_DEVICE_CA_GENERATE:
        return _generated_key()
    raise CertificateAuthorityMissing(
        "Device enrolment needs the site's CA key: set RAPPORT_DEVICE_CA_KEY (PEM) or "
        "RAPPORT_DEVICE_CA_KEY_FILE (see docs/devices.md; `manage.py device_ca --new-key` "
        "prints one)."
    )


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def ca_certificate_for(key: Ed25519PrivateKey) -> x509.Certificate:
    """The CA's self-signed certificate: the same bytes for the same key, every time."""
    public = key.public_key()
    fingerprint = hashlib.sha256(_raw(public)).digest()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, fingerprint[:8].hex()),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(int.from_bytes(fingerprint[:16]) >> 1)
        .not_valid_before(CA_NOT_BEFORE)
        .not_valid_after(CA_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, algorithm=None)
    )


def _previous_certificates() -> tuple[x509.Certificate, ...]:
    path = settings.RAPPORT_DEVICE_CA_PREVIOUS_CERTS_FILE
    if not path:
        return ()
    try:
        return tuple(x509.load_pem_x509_certificates(Path(path).read_bytes()))
    except (OSError, ValueError) as exc:
        raise CertificateAuthorityMissing(
            f"RAPPORT_DEVICE_CA_PREVIOUS_CERTS_FILE cannot be read: {exc}"
        ) from exc


@cache
def authority() -> Authority:
    """The configured CA (loaded once per process). Raises CertificateAuthorityMissing."""
    key = _load_key()
    return Authority(
        key=key, certificate=ca_certificate_for(key), previous=_previous_certificates()
    )


def issue_certificate(
    *, public_key: Ed25519PublicKey, device_id: uuid.UUID, person_id: uuid.UUID, now: datetime
) -> x509.Certificate:
    """A client certificate for one device key, bound to the device and its person:
    subject CN = device id, SAN = urn:uuid:<device id> and urn:rapport:person:<person id>."""
    ca = authority()
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, str(device_id))]))
        .issuer_name(ca.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=int(settings.RAPPORT_DEVICE_CERT_DAYS)))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.UniformResourceIdentifier(f"urn:uuid:{device_id}"),
                    x509.UniformResourceIdentifier(f"{PERSON_URN}{person_id}"),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
        .sign(ca.key, algorithm=None)
    )


@lru_cache(maxsize=4096)
def is_trusted(certificate_pem: str) -> bool:
    """Whether a stored device certificate was signed by the current CA or a previous one
    still kept for rotation. (Validity dates are checked by the caller, every call.)"""
    try:
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    except ValueError:
        return False
    ca = authority()
    for issuer in (ca.certificate, *ca.previous):
        try:
            certificate.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return True
    return False


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return _raw(public_key)


def new_key_pem() -> str:
    """A fresh Ed25519 CA key as PEM (for `manage.py device_ca --new-key`)."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
