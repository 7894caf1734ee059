"""Managers create staff, change roles, deactivate, reset 2FA, set VIP; all audit-logged."""

import re

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from rapport.accounts.models import User
from rapport.accounts.roles import EMPLOYEE, MANAGER, is_manager
from rapport.accounts.tests.helpers import staff_password_step
from rapport.core import audit
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a long and unusual passphrase 913"


def test_manager_creates_an_employee_who_sets_a_password_and_enrols(clients, smtp_server):
    response = clients["manager"].post(
        reverse("portal:staff_create"),
        {
            "email": "Nova@Staff.example.com",
            "first_name": "Nova",
            "last_name": "",
            "role": EMPLOYEE,
        },
    )

    nova = User.objects.get(email="nova@staff.example.com")
    assert response["Location"] == reverse("portal:staff_detail", args=[nova.pk])
    assert nova.is_staff and not nova.has_usable_password()
    assert list(nova.groups.values_list("name", flat=True)) == [EMPLOYEE]
    assert AuditEntry.objects.filter(action="staff.created", object_id=str(nova.pk)).count() == 1
    [mail] = smtp_server.wait_for(1)
    path = re.search(
        r"http://testserver(/\S+/enrol/\S+/)", mail.get_body(("plain",)).get_content()
    )[1]

    anonymous = clients["anonymous"]
    anonymous.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    nova.refresh_from_db()
    assert nova.check_password(NEW_PASSWORD)
    assert anonymous.get(path)["Location"] == "/"  # the link works once
    assert staff_password_step(anonymous, nova.email, NEW_PASSWORD)["Location"] == reverse(
        "portal:login_enrol"
    )


def test_manager_changes_a_role(clients, people):
    emma = people["employee"]

    clients["manager"].post(reverse("portal:staff_role", args=[emma.pk]), {"role": MANAGER})

    emma = User.objects.get(pk=emma.pk)
    assert is_manager(emma)
    entry = AuditEntry.objects.get(action="staff.role_changed")
    assert entry.data == {"from": [EMPLOYEE], "to": MANAGER}
    assert entry.actor == people["manager"]


def test_manager_cannot_change_own_role(clients, people):
    clients["manager"].post(
        reverse("portal:staff_role", args=[people["manager"].pk]), {"role": EMPLOYEE}
    )

    assert is_manager(User.objects.get(pk=people["manager"].pk))
    assert not AuditEntry.objects.filter(action="staff.role_changed").exists()


def test_deactivated_employee_loses_the_portal_at_once(clients, people):
    emma = people["employee"]
    assert clients["employee"].get(reverse("portal:dashboard")).status_code == 200

    clients["manager"].post(reverse("portal:staff_deactivate", args=[emma.pk]))

    assert User.objects.get(pk=emma.pk).is_active is False
    assert clients["employee"].get(reverse("portal:dashboard"))["Location"] == "/"
    assert AuditEntry.objects.filter(action="staff.deactivated").count() == 1


def test_manager_resets_2fa_and_the_next_login_enrols_again(clients, people, password):
    emma = people["employee"]
    assert TOTPDevice.objects.filter(user=emma).exists()

    clients["manager"].post(reverse("portal:staff_reset_2fa", args=[emma.pk]))

    assert not TOTPDevice.objects.filter(user=emma).exists()
    assert clients["employee"].get(reverse("portal:dashboard"))["Location"] == "/"
    fresh = type(clients["anonymous"])()
    assert staff_password_step(fresh, emma.email, password)["Location"] == reverse(
        "portal:login_enrol"
    )
    assert AuditEntry.objects.filter(action="staff.2fa_reset").count() == 1


def test_employee_cannot_manage_staff(clients, people):
    response = clients["employee"].post(
        reverse("portal:staff_deactivate", args=[people["manager"].pk])
    )

    assert response["Location"] == "/"
    assert User.objects.get(pk=people["manager"].pk).is_active


def test_manager_sets_vip_on_the_customer_timeline(clients, people):
    customer = Customer.objects.get(user=people["customer"])

    clients["manager"].post(
        reverse("portal:customer_vip", args=[customer.public_id]),
        {"is_vip": "on", "reason": "big spender"},
    )

    customer.refresh_from_db()
    assert customer.is_vip is True
    assert customer.timeline_entries.get(action="customer.vip_changed").actor == people["manager"]


def test_roles_carry_real_permissions(people):
    from django.core.management import call_command

    # Transactional tests flush the data migration's work: run it again, backwards and forwards.
    call_command("migrate", "accounts", "0003", verbosity=0)
    call_command("migrate", "accounts", verbosity=0)
    employee = User.objects.get(pk=people["employee"].pk)
    manager = User.objects.get(pk=people["manager"].pk)

    assert employee.has_perm("orders.view_order")
    assert not employee.has_perm("customers.change_customer")
    assert manager.has_perm("customers.change_customer")
    assert manager.has_perm("orders.view_order")  # everything an employee has
    employee_perms = set(Group.objects.get(name=EMPLOYEE).permissions.all())
    assert employee_perms <= set(Group.objects.get(name=MANAGER).permissions.all())


def test_audit_log_filters_and_pages_in_bounded_queries(clients, people):
    for n in range(60):
        audit.record(action="test.thing", actor=people["employee"], summary=f"thing {n}")
    audit.record(action="other.thing", actor=people["manager"], summary="other")
    client = clients["manager"]
    client.get(reverse("portal:audit_log"))  # warm the session

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("portal:audit_log"), {"action": "test.", "page": 2})

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 60
    assert len(response.context["page"].object_list) == 10
    assert len(queries) <= 10
    by_actor = client.get(reverse("portal:audit_log"), {"actor": "max@"})
    assert {e.action for e in by_actor.context["page"]} == {"other.thing"}
    assert clients["employee"].get(reverse("portal:audit_log"))["Location"] == "/"


def test_audit_log_escapes_html_and_treats_filters_as_data(clients, people):
    audit.record(action="test.xss", actor=people["employee"], summary="<script>alert(1)</script>")
    client = clients["manager"]

    page = client.get(reverse("portal:audit_log"), {"action": "test."}).content.decode()
    injected = client.get(reverse("portal:audit_log"), {"actor": "' OR 1=1 --"})

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert injected.status_code == 200
    assert injected.context["page"].paginator.count == 0
