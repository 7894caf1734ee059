"""The device key, CSR and request signatures, and the strings in both languages."""

import ast
import os
import stat
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from http_message_signatures import HTTPMessageVerifier, HTTPSignatureKeyResolver, algorithms
from offlineoffice.api import ApiClient, Offline
from offlineoffice.profile import Profile
from offlineoffice.signing import sign_request
from offlineoffice.workbench import InvalidInput

import offlineoffice
from offlineoffice import i18n


def test_key_is_private_and_only_its_public_half_goes_in_the_csr(tmp_path):
    profile = Profile(tmp_path / "p")
    key = profile.private_key()
    assert stat.S_IMODE(os.stat(tmp_path / "p" / "device.key").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "p").st_mode) == 0o700
    csr = x509.load_pem_x509_csr(profile.csr_pem("laptop").encode())
    assert csr.is_signature_valid
    raw = serialization.Encoding.Raw
    assert csr.public_key().public_bytes(raw, serialization.PublicFormat.Raw) == (
        key.public_key().public_bytes(raw, serialization.PublicFormat.Raw)
    )
    private = key.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    assert private not in profile.csr_pem("laptop").encode()
    assert Profile(tmp_path / "p").private_key().public_key() == key.public_key()  # kept


class _Public(HTTPSignatureKeyResolver):
    def __init__(self, key):
        self.key = key

    def resolve_public_key(self, key_id):
        assert key_id == "dev-1"
        return self.key


@pytest.mark.parametrize("authorization", [None, "Device tok"])
def test_requests_are_signed_per_the_contract(tmp_path, authorization):
    key = Profile(tmp_path).private_key()
    headers = {"Authorization": authorization} if authorization else {}
    request = httpx.Request("GET", "http://h/api/v1/sync/pull?limit=5", headers=headers)
    sign_request(request, key=key, device_id="dev-1")

    covered = '("@method" "@path" "@query" "content-digest"'
    covered += ' "authorization")' if authorization else ")"
    assert request.headers["signature-input"].startswith(f"sig1={covered};created=")
    assert 'keyid="dev-1"' in request.headers["signature-input"]
    assert 'alg="ed25519"' in request.headers["signature-input"]
    # The digest of an empty body (RFC 9530).
    assert (
        request.headers["content-digest"]
        == "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
    )
    message = SimpleNamespace(method="GET", url=str(request.url), headers=request.headers)
    [result] = HTTPMessageVerifier(
        signature_algorithm=algorithms.ED25519, key_resolver=_Public(key.public_key())
    ).verify(message, body=b"")
    assert len(result.parameters["nonce"]) >= 16


def test_each_signature_has_a_fresh_nonce(tmp_path):
    key = Profile(tmp_path).private_key()
    nonces = set()
    for _ in range(2):
        request = httpx.Request("POST", "http://h/api/v1/sync/push", json={"operations": []})
        sign_request(request, key=key, device_id="dev-1")
        nonces.add(request.headers["signature-input"].split('nonce="')[1].split('"')[0])
    assert len(nonces) == 2


def test_an_unreachable_server_is_offline(tmp_path, unused_tcp_port):
    profile = Profile(tmp_path)
    profile.update_settings(server=f"http://127.0.0.1:{unused_tcp_port}", device_id="dev-1")
    api = ApiClient(profile)
    with pytest.raises(Offline):
        api.call("GET", "/me")
    api.close()


@pytest.fixture
def unused_tcp_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _translatable_strings():
    root = Path(offlineoffice.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
            # Domain errors are shown translated too.
            if (
                isinstance(node, ast.Raise)
                and isinstance(node.exc, ast.Call)
                and getattr(node.exc.func, "id", None) == InvalidInput.__name__
            ):
                found.add(node.exc.args[0].value)
    from offlineoffice.ui.app import STATUS_NAMES

    return found | set(STATUS_NAMES.values()) | set(i18n.ENGLISH_NAMES)


def test_every_string_has_simplified_chinese(monkeypatch):
    strings = _translatable_strings()
    assert len(strings) > 80
    missing = sorted(s for s in strings if s not in i18n.ZH_HANS)
    assert missing == []
    monkeypatch.setenv("OFFLINEOFFICE_LANG", "zh_CN.UTF-8")
    assert i18n._("Sync") == "同步"
    monkeypatch.setenv("OFFLINEOFFICE_LANG", "en_GB.UTF-8")
    assert i18n._("Sync") == "Sync"
    assert i18n._("quote.counter") == "Counter-offer"
