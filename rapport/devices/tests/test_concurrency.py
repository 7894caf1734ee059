"""A one-time enrolment code sent twice at the same moment enrols exactly one device
(PostgreSQL row locks)."""

from __future__ import annotations

import pytest

from rapport.core.testing import run_concurrently, skip_unless_postgres
from rapport.devices.errors import EnrolmentRefused
from rapport.devices.models import Device
from rapport.devices.services import enrol, issue_enrolment_code
from rapport.devices.testing import DeviceKey

pytestmark = pytest.mark.django_db(transaction=True)


def test_one_code_used_concurrently_enrols_exactly_one_device(people):
    skip_unless_postgres()
    code = issue_enrolment_code(person=people["customer"], actor=people["manager"])
    csrs = [DeviceKey().csr_pem() for _ in range(4)]

    results = run_concurrently(
        4,
        lambda i: enrol(code=code, csr_pem=csrs[i], name=f"d{i}", platform="", client_version=""),
    )

    assert sum(isinstance(r, EnrolmentRefused) for r in results) == 3
    assert Device.objects.count() == 1
