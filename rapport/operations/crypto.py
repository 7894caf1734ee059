"""Backup files are encrypted at rest: AES-256-GCM, streamed, with the key from the environment
(RAPPORT_BACKUP_KEY: 32 random bytes, URL-safe base64 — `manage.py backup --new-key` prints one).

File layout: MAGIC, the key's 8-byte fingerprint, a 12-byte nonce, the ciphertext, the 16-byte
GCM tag. A wrong key is refused by its fingerprint before anything is decrypted; a damaged or
altered file fails the tag, and the half-decrypted output is deleted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MAGIC = b"RAPPORT-BACKUP-1\n"
NONCE_BYTES = 12
TAG_BYTES = 16
FINGERPRINT_BYTES = 8
CHUNK = 1024 * 1024


class BackupKeyError(Exception):
    """No key, a malformed key, or not the key this file was encrypted with."""


class DamagedBackup(Exception):
    """The file is not a Rapport backup, or it was altered or cut short."""


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def parse_key(text: str) -> bytes:
    if not text:
        raise BackupKeyError(
            "RAPPORT_BACKUP_KEY is not set: backups are encrypted at rest. Create a key with "
            "`manage.py backup --new-key`, keep a copy away from the backups, and export it."
        )
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError) as exc:
        raise BackupKeyError("RAPPORT_BACKUP_KEY is not URL-safe base64.") from exc
    if len(key) != 32:
        raise BackupKeyError("RAPPORT_BACKUP_KEY must decode to 32 bytes (AES-256).")
    return key


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"rapport-backup-key:" + key).hexdigest()[: FINGERPRINT_BYTES * 2]


class EncryptingWriter:
    """A write-only file object that encrypts what it is given into `out` (tarfile streams into
    it, so the plain archive never touches the disk). `finish()` writes the tag and returns the
    SHA-256 of everything written."""

    def __init__(self, out: BinaryIO, key: bytes) -> None:
        self.out = out
        self.digest = hashlib.sha256()
        nonce = os.urandom(NONCE_BYTES)
        self.encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
        self.encryptor.authenticate_additional_data(MAGIC)
        self._emit(MAGIC + bytes.fromhex(key_id(key)) + nonce)

    def _emit(self, data: bytes) -> None:
        self.out.write(data)
        self.digest.update(data)

    def write(self, data: bytes) -> int:
        self._emit(self.encryptor.update(data))
        return len(data)

    def flush(self) -> None:
        self.out.flush()

    def finish(self) -> str:
        self._emit(self.encryptor.finalize() + self.encryptor.tag)
        return self.digest.hexdigest()


def encrypt_file(source: Path, target: Path, key: bytes) -> str:
    """Encrypt `source` into `target`; return the SHA-256 of the encrypted file."""
    with source.open("rb") as src, target.open("wb") as out:
        writer = EncryptingWriter(out, key)
        while chunk := src.read(CHUNK):
            writer.write(chunk)
        return writer.finish()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def decrypt_file(source: Path, target: Path, key: bytes) -> None:
    """Decrypt `source` into `target`. Raises BackupKeyError for another key, DamagedBackup for
    a file that is not intact (and then leaves no `target` behind)."""
    size = source.stat().st_size
    header = len(MAGIC) + FINGERPRINT_BYTES + NONCE_BYTES
    if size < header + TAG_BYTES:
        raise DamagedBackup("Not a Rapport backup file (too short).")
    with source.open("rb") as src:
        if src.read(len(MAGIC)) != MAGIC:
            raise DamagedBackup("Not a Rapport backup file.")
        if src.read(FINGERPRINT_BYTES).hex() != key_id(key):
            raise BackupKeyError("This backup was encrypted with another key.")
        nonce = src.read(NONCE_BYTES)
        src.seek(size - TAG_BYTES)
        tag = src.read(TAG_BYTES)
        src.seek(header)
        decryptor = Cipher(algorithms.AES(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(MAGIC)
        remaining = size - header - TAG_BYTES
        try:
            with target.open("wb") as out:
                while remaining > 0:
                    chunk = src.read(min(CHUNK, remaining))
                    remaining -= len(chunk)
                    out.write(decryptor.update(chunk))
                out.write(decryptor.finalize())
        except InvalidTag as exc:
            target.unlink(missing_ok=True)
            raise DamagedBackup("The backup file was altered or is damaged.") from exc
