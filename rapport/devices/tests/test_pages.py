"""The device pages: the portal (managers per person, staff their own) and the customer's
account security page. Permission matrix and behaviour."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from rapport.core import testing
from rapport.core.models import AuditEntry
from rapport.core.testing import (
    ALLOW,
    MANAGER_ONLY,
    NOT_FOUND,
    REDIRECT_HOME,
    REDIRECT_LOGIN,
    STAFF_ONLY,
    Row,
    check_matrix,
    expect,
    redirect_to,
)
from rapport.devices.models import Device, DeviceStatus, DeviceUsage, EnrolmentCode
from rapport.devices.services import enrol
from rapport.devices.testing import DeviceKey
from rapport.devices.tests.factories import make_device

pytestmark = pytest.mark.django_db


def test_device_pages_matrix(people, clients):
    ann, emma, manager = people["customer"], people["employee"], people["manager"]
    anns = make_device(ann, manager, "Ann's laptop")
    anns_other = make_device(ann, manager, "Ann's phone")
    emmas = make_device(emma, manager, "Emma's laptop")
    security = reverse("storefront:security")
    rows = [
        Row("portal:my_devices", reverse("portal:my_devices"), expect(**STAFF_ONLY)),
        Row(
            "portal:person_devices",
            reverse("portal:person_devices", args=[ann.public_id]),
            expect(**MANAGER_ONLY),
        ),
        Row(
            "portal:device_detail",
            reverse("portal:device_detail", args=[emmas.public_id]),
            expect(non_staff=REDIRECT_HOME, staff=ALLOW),
        ),
        Row(
            "portal:device_detail (someone else's)",
            reverse("portal:device_detail", args=[anns.public_id]),
            expect(non_staff=REDIRECT_HOME, employee=NOT_FOUND, manager=ALLOW),
        ),
        Row(
            "portal:device_revoke",
            reverse("portal:device_revoke", args=[anns_other.public_id]),
            expect(
                non_staff=REDIRECT_HOME,
                employee=NOT_FOUND,
                manager=redirect_to(reverse("portal:device_detail", args=[anns_other.public_id])),
            ),
            method="post",
        ),
        Row(
            "storefront:device_revoke",
            reverse("storefront:device_revoke", args=[anns.public_id]),
            expect(
                anonymous=REDIRECT_LOGIN,
                customer=redirect_to(security),
                other_customer=NOT_FOUND,
                staff=REDIRECT_HOME,
            ),
            method="post",
        ),
    ]
    assert check_matrix(rows, clients, {}) == []
    assert Device.objects.get(pk=anns.pk).revoked_by == ann
    assert Device.objects.get(pk=anns_other.pk).revoked_by == manager
    assert Device.objects.get(pk=emmas.pk).status == DeviceStatus.ACTIVE


def test_a_manager_issues_a_code_shown_once_that_enrols_one_device(people, clients):
    ann = people["customer"]
    url = reverse("portal:person_devices", args=[ann.public_id])

    page = clients["manager"].post(url)

    assert page.status_code == 200
    code = re.search(r'class="enrolment-code">([A-Z0-9-]+)<', page.content.decode()).group(1)
    assert code not in clients["manager"].get(url).content.decode()
    assert EnrolmentCode.objects.get().digest != code
    assert AuditEntry.objects.filter(action="device.code_issued", object_id=str(ann.pk)).exists()
    device = enrol(
        code=code.lower(), csr_pem=DeviceKey().csr_pem(), name="x", platform="", client_version=""
    ).device
    assert device.person == ann


def test_the_device_page_shows_its_usage_log(people, clients):
    from django.utils import timezone

    device = make_device(people["employee"], people["manager"])
    DeviceUsage.objects.create(device=device, at=timezone.now(), event="sync", detail="12 pushed")

    page = clients["employee"].get(reverse("portal:device_detail", args=[device.public_id]))

    assert "12 pushed" in page.content.decode()
    assert "0.1.0" in page.content.decode()


def test_customers_see_their_devices_on_the_security_page(people, clients):
    make_device(people["customer"], people["manager"], "Ann's laptop")
    make_device(people["other_customer"], people["manager"], "Bob's laptop")

    page = clients["customer"].get(reverse("storefront:security")).content.decode()

    assert "Ann&#x27;s laptop" in page
    assert "Bob" not in page


def test_staff_list_their_own_devices_only(people):
    client = Client()
    testing.login_staff(client, people["employee"])
    make_device(people["employee"], people["manager"], "Emma's laptop")
    make_device(people["customer"], people["manager"], "Ann's laptop")

    page = client.get(reverse("portal:my_devices")).content.decode()

    assert "Emma&#x27;s laptop" in page
    assert "Ann&#x27;s laptop" not in page
