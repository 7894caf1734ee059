"""The profile directory: the device's key pair, certificate and settings, and the local store.

One directory per server and person (`--data-dir`, or `OFFLINEOFFICE_DATA_DIR`, or
`$XDG_DATA_HOME/offlineoffice`). The private key is written with 0600 permissions and never
leaves it; the directory itself is 0700.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

KEY_FILE = "device.key"
CERT_FILE = "device.crt"
CA_FILE = "ca.crt"
SETTINGS_FILE = "profile.json"
STORE_FILE = "store.sqlite3"


def default_data_dir() -> Path:
    if env := os.environ.get("OFFLINEOFFICE_DATA_DIR"):
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "offlineoffice"


def _write_private(path: Path, data: bytes) -> None:
    """Write a secret file that only this user can read, never briefly readable by others."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)


@dataclass
class Profile:
    directory: Path

    def __post_init__(self) -> None:
        self.directory = Path(self.directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)

    # --- settings --------------------------------------------------------------------------

    @property
    def settings(self) -> dict[str, Any]:
        path = self.directory / SETTINGS_FILE
        if not path.exists():
            return {}
        return dict(json.loads(path.read_text(encoding="utf-8")))

    def update_settings(self, **values: Any) -> None:
        merged = {**self.settings, **values}
        _write_private(self.directory / SETTINGS_FILE, json.dumps(merged, indent=2).encode())

    @property
    def server(self) -> str | None:
        return self.settings.get("server")

    @property
    def device_id(self) -> str | None:
        return self.settings.get("device_id")

    @property
    def enrolled(self) -> bool:
        return bool(self.device_id) and (self.directory / CERT_FILE).exists()

    @property
    def store_path(self) -> Path:
        return self.directory / STORE_FILE

    # --- key and certificate ---------------------------------------------------------------

    def private_key(self) -> Ed25519PrivateKey:
        """The device key, made on first use (Ed25519, 0600, PKCS#8 PEM)."""
        path = self.directory / KEY_FILE
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError(f"{path} is not an Ed25519 key")
            return key
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_private(path, pem)
        return key

    def csr_pem(self, common_name: str) -> str:
        """A certificate signing request signed by the device key (the server ignores the CN)."""
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .sign(self.private_key(), None)
        )
        return csr.public_bytes(serialization.Encoding.PEM).decode()

    def store_certificate(self, certificate_pem: str, ca_pem: str | None = None) -> None:
        (self.directory / CERT_FILE).write_text(certificate_pem, encoding="utf-8")
        if ca_pem:
            (self.directory / CA_FILE).write_text(ca_pem, encoding="utf-8")

    def certificate(self) -> x509.Certificate | None:
        path = self.directory / CERT_FILE
        if not path.exists():
            return None
        return x509.load_pem_x509_certificate(path.read_bytes())

    def certificate_expires_at(self) -> datetime | None:
        cert = self.certificate()
        return cert.not_valid_after_utc if cert is not None else None

    def certificate_days_left(self, now: datetime | None = None) -> float | None:
        expires = self.certificate_expires_at()
        if expires is None:
            return None
        now = now or datetime.now(UTC)
        return (expires - now).total_seconds() / 86400
