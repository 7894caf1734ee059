"""Permission matrix of the report pages: managers see every report; an employee sees a report
only once a manager grants it; nobody else learns anything; an export is audited."""

import pytest
from django.urls import reverse

from rapport.analytics.models import ReportGrant
from rapport.analytics.services import set_report_grant
from rapport.core.models import AuditEntry
from rapport.core.testing import (
    MANAGER_ONLY,
    REDIRECT_HOME,
    STAFF_ONLY,
    Row,
    check_matrix,
    expect,
    redirect_to,
)

pytestmark = pytest.mark.django_db


def test_report_pages_permission_matrix(people, clients):
    grants = reverse("portal:report_grants")
    rows = [
        Row("portal:reports", reverse("portal:reports"), expect(**STAFF_ONLY)),
        Row("portal:report", reverse("portal:report", args=["trends"]), expect(**MANAGER_ONLY)),
        Row(
            "portal:report_export",
            reverse("portal:report_export", args=["transactions", "csv"]),
            expect(**MANAGER_ONLY),
        ),
        *(
            Row(
                f"portal:report {code}",
                reverse("portal:report", args=[code]),
                expect(**MANAGER_ONLY),
            )
            for code in ("tendencies", "identity")
        ),
        *(
            Row(
                f"portal:report_export {code}",
                reverse("portal:report_export", args=[code, "xlsx"]),
                expect(**MANAGER_ONLY),
            )
            for code in ("tendencies", "identity")
        ),
        Row("portal:report_grants", grants, expect(**MANAGER_ONLY)),
        Row(
            "portal:report_grant_toggle",
            reverse("portal:report_grant_toggle"),
            expect(non_managers=REDIRECT_HOME, manager=redirect_to(grants)),
            method="post",
            data={"user": people["employee"].pk, "report": "nope", "granted": "1"},
        ),
    ]
    assert check_matrix(rows, clients, {}) == []
    # Only the manager's exports were audited; the unknown report was refused.
    assert AuditEntry.objects.filter(action="analytics.exported").count() == 3
    assert not ReportGrant.objects.exists()


def test_an_employee_sees_only_the_reports_granted(people, clients):
    employee = clients["employee"]
    trends = reverse("portal:report", args=["trends"])
    assert employee.get(trends).status_code == 302

    response = clients["manager"].post(
        reverse("portal:report_grant_toggle"),
        {"user": people["employee"].pk, "report": "trends", "granted": "1"},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="analytics.granted").count() == 1

    assert employee.get(trends).status_code == 200
    assert employee.get(reverse("portal:report", args=["transactions"])).status_code == 302
    listing = employee.get(reverse("portal:reports")).content.decode()
    assert reverse("portal:report", args=["trends"]) in listing
    assert reverse("portal:report", args=["transactions"]) not in listing

    set_report_grant(
        actor=people["manager"], user=people["employee"], report="trends", granted=False
    )
    assert employee.get(trends).status_code == 302
