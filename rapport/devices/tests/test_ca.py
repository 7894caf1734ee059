"""The device CA: keys from the environment, rotation with the previous certificate kept, and
the deploy check without a key."""

from __future__ import annotations

import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.utils import timezone

from rapport.devices import ca
from rapport.devices.checks import device_ca_configured
from rapport.devices.testing import DeviceKey


@pytest.fixture
def fresh_ca():
    ca.authority.cache_clear()
    ca.is_trusted.cache_clear()
    yield
    ca.authority.cache_clear()
    ca.is_trusted.cache_clear()


def issue_pem() -> str:
    certificate = ca.issue_certificate(
        public_key=DeviceKey().key.public_key(),
        device_id=uuid.uuid4(),
        person_id=uuid.uuid4(),
        now=timezone.now(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def test_rotation_keeps_certificates_of_the_previous_ca_valid(settings, tmp_path, fresh_ca):
    settings.RAPPORT_DEVICE_CA_KEY = ca.new_key_pem()
    old_certificate = ca.authority().certificate_pem
    signed_by_old = issue_pem()

    settings.RAPPORT_DEVICE_CA_KEY = ca.new_key_pem()  # rotated, old certificate not kept
    ca.authority.cache_clear()
    ca.is_trusted.cache_clear()
    assert ca.is_trusted(signed_by_old) is False
    assert ca.is_trusted(issue_pem()) is True

    previous = tmp_path / "previous-ca.pem"
    previous.write_text(old_certificate)
    settings.RAPPORT_DEVICE_CA_PREVIOUS_CERTS_FILE = str(previous)
    ca.authority.cache_clear()
    ca.is_trusted.cache_clear()
    assert ca.is_trusted(signed_by_old) is True


def test_the_key_can_come_from_a_file(settings, tmp_path, fresh_ca):
    key_pem = ca.new_key_pem()
    path = tmp_path / "ca.pem"
    path.write_text(key_pem)
    settings.RAPPORT_DEVICE_CA_KEY = ""
    settings.RAPPORT_DEVICE_CA_KEY_FILE = str(path)

    expected = ca.ca_certificate_for(
        serialization.load_pem_private_key(key_pem.encode(), password=None)  # type: ignore[arg-type]
    )
    assert ca.authority().certificate == expected


def test_without_a_key_outside_debug_the_deploy_check_fails(settings, fresh_ca, capsys):
    settings.DEBUG = False
    settings.RAPPORT_DEVICE_CA_GENERATE = False
    settings.RAPPORT_DEVICE_CA_KEY = ""
    settings.RAPPORT_DEVICE_CA_KEY_FILE = ""

    errors = device_ca_configured()

    assert [e.id for e in errors] == ["rapport.devices.E001"]
    assert "RAPPORT_DEVICE_CA_KEY" in errors[0].msg


def test_device_ca_command_prints_a_key_and_the_certificate(settings, fresh_ca, capsys):
    call_command("device_ca", "--new-key")
    assert capsys.readouterr().out.startswith("-----BEGIN PRIVATE KEY-----")
    call_command("device_ca", "--certificate")
    assert capsys.readouterr().out.startswith("-----BEGIN CERTIFICATE-----")
