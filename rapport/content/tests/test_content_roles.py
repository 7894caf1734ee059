"""Managers give content roles (none / writer / editor) in the portal: listed per staff member,
changed with an audit entry; employees without the manager role get 403, customers never reach
the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.content.roles import EDITOR, WRITER, content_role_of, has_content_role
from rapport.content.tests.conftest import staff_client
from rapport.core.models import AuditEntry
from rapport.core.testing import FORBIDDEN, REDIRECT_HOME, Row, check_matrix, expect, redirect_to

pytestmark = pytest.mark.django_db


def role(user):
    """The content role as stored now (a user object caches its group names)."""
    return content_role_of(type(user).objects.get(pk=user.pk))


def test_permission_matrix(home, people, clients):
    roles = reverse("portal:content_roles")
    rows = [
        Row(
            "portal:content_roles",
            roles,
            expect(non_staff=REDIRECT_HOME, employee=FORBIDDEN, manager=200),
        ),
        Row(
            "portal:content_role_set",
            reverse("portal:content_role_set", args=(people["employee"].pk,)),
            expect(non_staff=REDIRECT_HOME, employee=FORBIDDEN, manager=redirect_to(roles)),
            method="post",
            data={"role": ""},
        ),
    ]
    assert check_matrix(rows, clients, {}) == []


def test_manager_gives_and_takes_content_roles_with_an_audit_entry(home, people, clients):
    employee, manager = people["employee"], people["manager"]
    client = clients["manager"]
    url = reverse("portal:content_role_set", args=(employee.pk,))

    listing = client.get(reverse("portal:content_roles")).content.decode()
    assert employee.email in listing and f'data-member="{employee.pk}"' in listing
    assert staff_client(employee).get(reverse("wagtailadmin_home")).status_code == 302

    client.post(url, {"role": WRITER})
    assert role(employee) == WRITER
    assert staff_client(employee).get(reverse("wagtailadmin_home")).status_code == 200

    client.post(url, {"role": EDITOR})
    assert role(employee) == EDITOR
    assert set(employee.groups.values_list("name", flat=True)) >= {EDITOR}
    assert WRITER not in set(employee.groups.values_list("name", flat=True))

    client.post(url, {"role": ""})
    assert role(employee) == ""
    assert not has_content_role(type(employee).objects.get(pk=employee.pk))

    entries = AuditEntry.objects.filter(action="content.role_changed").order_by("pk")
    assert [e.data["to"] for e in entries] == [WRITER, EDITOR, ""]
    assert {e.actor_id for e in entries} == {manager.pk}


def test_unknown_role_and_own_account_are_refused(home, people, clients):
    employee, manager = people["employee"], people["manager"]
    client = clients["manager"]
    client.post(reverse("portal:content_role_set", args=(employee.pk,)), {"role": "Superuser"})
    client.post(reverse("portal:content_role_set", args=(manager.pk,)), {"role": EDITOR})
    assert role(employee) == "" and role(manager) == ""
    assert not AuditEntry.objects.filter(action="content.role_changed").exists()


def test_customers_are_not_listed_and_cannot_be_given_a_role(home, people, clients):
    client = clients["manager"]
    listing = client.get(reverse("portal:content_roles")).content.decode()
    assert people["customer"].email not in listing
    response = client.post(
        reverse("portal:content_role_set", args=(people["customer"].pk,)), {"role": WRITER}
    )
    assert response.status_code == 404
    assert role(people["customer"]) == ""


def test_page_speaks_chinese(home, people, clients):
    client = clients["manager"]
    html = client.get(reverse("portal:content_roles"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "内容角色" in html.content.decode()
