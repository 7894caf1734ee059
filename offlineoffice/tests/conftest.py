"""Fixtures for the client's end-to-end tests: a live Rapport server, an enrolled device and
signed-in person, and a way to take the device offline (a closed port)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from offlineoffice.office import Office
from offlineoffice.profile import Profile

from offlineoffice import account


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on: the server is unreachable there."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def shop(db: Any, people: dict[str, Any]) -> dict[str, Any]:
    """Ann, a customer with an address, and two products in stock."""
    from rapport.aftersales.tests.factories import reachable
    from rapport.checkout.tests.factories import address_for, stocked_product
    from rapport.customers.models import Customer

    ann = reachable(Customer.objects.get(user=people["customer"]))
    address_for(ann)
    return {
        "ann": ann,
        "lamp": stocked_product(quantity=500, price="25.00", sku="LAMP-1", name="DESK LAMP"),
        "mug": stocked_product(quantity=500, price="4.50", sku="MUG-1", name="MUG"),
    }


def totp_code(user: Any) -> str:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from rapport.accounts.tests.helpers import code_for

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return code_for(device)


@pytest.fixture
def enrolled(live_server: Any, people: dict[str, Any], password: str, tmp_path: Any):
    """enrolled(actor) → an Office for that person: enrolled with a code a manager issued,
    signed in (TOTP for staff) and synced once."""
    from rapport.devices.services import issue_enrolment_code

    opened: list[Office] = []

    def make(actor: str, *, sign_in: bool = True) -> Office:
        user = people[actor]
        code = issue_enrolment_code(person=user, actor=people["manager"])
        directory = tmp_path / f"profile-{actor}"
        account.enrol(Profile(directory), server=live_server.url, code=code, name=f"{actor} laptop")
        office = Office.open(directory)
        opened.append(office)
        if sign_in:
            otp = totp_code(user) if user.is_staff else None
            office.sign_in(user.email, password, otp)
            report = office.sync()
            assert report.ok, report.errors
        return office

    yield make
    for office in opened:
        office.close()


def offline_copy(office: Office, port: int) -> Office:
    """The same device and local store, with the server unreachable."""
    return Office.open(office.profile.directory, server=f"http://127.0.0.1:{port}")


@pytest.fixture
def go_offline(closed_port: int):
    opened: list[Office] = []

    def make(office: Office) -> Office:
        copy = offline_copy(office, closed_port)
        opened.append(copy)
        return copy

    yield make
    for office in opened:
        office.close()
