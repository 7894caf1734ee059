"""A manager issues a one-time enrolment code for an employee in the portal, the code enrols a
device (the client's part, over HTTP), and the manager revokes the device (real Chromium)."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from rapport.core import testing
from rapport.core.models import AuditEntry
from rapport.devices.models import Device, DeviceStatus
from rapport.devices.testing import DeviceKey

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_manager_issues_an_enrolment_code_and_revokes_the_device(browser, live_server, people):
    emma, manager = people["employee"], people["manager"]
    client = Client()
    testing.login_staff(client, manager)
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(reverse("portal:staff_detail", args=[emma.pk]))
        page.get_by_role("link", name="Devices and enrolment codes").click()
        page.get_by_role("button", name="Issue an enrolment code").click()
        code = page.locator(".enrolment-code").inner_text()
        assert re.fullmatch(r"([A-Z0-9]{4}-){4}[A-Z0-9]{4}", code)

        # The client enrols with the code (its own HTTP call).
        enrolled = Client().post(
            reverse("api-v1:device_enrol"),
            {"code": code, "csr": DeviceKey().csr_pem(), "name": "Emma's laptop"},
            content_type="application/json",
        )
        assert enrolled.status_code == 201

        page.goto(reverse("portal:person_devices", args=[emma.public_id]))
        expect(page.locator(".enrolment-code")).to_have_count(0)
        page.get_by_role("link", name="Emma's laptop").click()
        expect(page.get_by_test_id("device-status")).to_have_text("Active")
        page.get_by_role("button", name="Revoke this device").click()
        expect(page.get_by_test_id("device-status")).to_contain_text("Revoked")
    finally:
        context.close()
    assert Device.objects.get().status == DeviceStatus.REVOKED
    assert AuditEntry.objects.filter(action="device.revoked", actor=manager).count() == 1
