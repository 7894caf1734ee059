"""Devices made through the services (no HTTP), for page tests."""

from __future__ import annotations

from typing import Any

from rapport.devices.models import Device
from rapport.devices.services import enrol, issue_enrolment_code
from rapport.devices.testing import DeviceKey


def make_device(person: Any, manager: Any, name: str = "Laptop") -> Device:
    code = issue_enrolment_code(person=person, actor=manager)
    return enrol(
        code=code,
        csr_pem=DeviceKey().csr_pem(),
        name=name,
        platform="linux",
        client_version="0.1.0",
    ).device
