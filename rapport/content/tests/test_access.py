"""Who reaches the content admin (staff session + second factor + a content role; customers never;
no second login page) and the public content pages: the permission matrix."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from rapport.content.tests.conftest import staff_client
from rapport.core import testing
from rapport.core.testing import REDIRECT_HOME, Row, check_matrix, expect, redirect_to

pytestmark = pytest.mark.django_db

STAFF_LOGIN = f"/{settings.RAPPORT_STAFF_PATH}/login/"


def test_permission_matrix(home, people, clients):
    rows = [
        # Nobody of the five actors has a content role: the employee and manager are refused too.
        Row("content:admin_home", reverse("wagtailadmin_home"), expect(everyone=REDIRECT_HOME)),
        Row(
            "content:admin_pages",
            reverse("wagtailadmin_explore", args=(home.pk,)),
            expect(everyone=REDIRECT_HOME),
        ),
        Row(
            "content:admin_login",
            reverse("wagtailadmin_login"),
            expect(everyone=REDIRECT_HOME, anonymous=redirect_to(STAFF_LOGIN)),
        ),
        Row(
            "content:product_chooser",
            reverse("product_chooser:choose"),
            expect(everyone=REDIRECT_HOME),
        ),
        Row("content:news_section", "/news/", expect(everyone=200)),
        Row("content:stories_section", "/stories/", expect(everyone=200)),
    ]
    assert check_matrix(rows, clients, {}) == []


def test_only_our_content_roles_grant_admin_access(home):
    from django.contrib.auth.models import Group

    holders = set(
        Group.objects.filter(permissions__codename="access_admin").values_list("name", flat=True)
    )
    assert holders == {"Writer", "Editor"}


def test_content_roles_reach_the_admin_with_second_factor_only(writer, editor):
    for user in (writer, editor):
        assert staff_client(user).get(reverse("wagtailadmin_home")).status_code == 200
        assert staff_client(user).get(reverse("product_chooser:choose")).status_code == 200
        # Without the second factor: nowhere.
        client = Client()
        testing.login_staff_without_second_factor(client, user)
        assert testing.outcome(client.get(reverse("wagtailadmin_home"))) == REDIRECT_HOME


def test_admin_keeps_a_relaxed_policy_and_the_store_keeps_the_strict_one(writer):
    client = staff_client(writer)
    admin_policy = client.get(reverse("wagtailadmin_home"))["Content-Security-Policy"]
    store_policy = client.get("/news/")["Content-Security-Policy"]
    assert "'unsafe-inline'" in admin_policy
    assert "'unsafe-inline'" not in store_policy
