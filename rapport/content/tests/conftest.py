"""Content fixtures: the content tree and roles, a writer and an editor with staff sessions."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from rapport.accounts.roles import EMPLOYEE
from rapport.content.roles import EDITOR, WRITER
from rapport.content.setup import ensure_content_site
from rapport.core import testing


@pytest.fixture
def home(db: Any) -> Any:
    return ensure_content_site()


@pytest.fixture
def news_index(home: Any) -> Any:
    return home.get_children().get(slug="news").specific


def _content_person(make_user: Any, email: str, role: str) -> Any:
    user = make_user(email, role=EMPLOYEE)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def writer(home: Any, make_user: Any) -> Any:
    return _content_person(make_user, "wendy@staff.example.com", WRITER)


@pytest.fixture
def editor(home: Any, make_user: Any) -> Any:
    return _content_person(make_user, "ed@staff.example.com", EDITOR)


def staff_client(user: Any) -> Client:
    client = Client()
    testing.login_staff(client, user)
    return client
