"""The hand-written reads of every signed-in request: the session (`accounts.session_store`) and
the user (`EntranceBackend.get_user`) are found exactly as Django's own code finds them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.backends import EntranceBackend
from rapport.accounts.models import User
from rapport.accounts.queries import user_by_pk
from rapport.accounts.session_store import SessionStore
from rapport.core import testing

pytestmark = pytest.mark.django_db


def test_a_session_loads_as_djangos_does():
    store = SessionStore()
    store["cart_note"] = "two lamps"
    store.create()
    key = store.session_key
    assert SessionStore(key).load() == DjangoSessionStore(key).load() == {"cart_note": "two lamps"}


def test_an_expired_or_unknown_session_is_not_loaded_and_its_key_dropped():
    store = SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    for key in (store.session_key, "no-such-session-key-0123456789", None):
        again = SessionStore(key)
        assert again.load() == {}
        assert again.session_key is None


def test_the_signed_in_user_has_every_field_and_an_inactive_one_is_refused(people, client):
    customer = people["customer"]
    found = user_by_pk(customer.pk)
    assert found is not None
    assert found.get_deferred_fields() == set()
    for field in User._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(customer, field.attname), field.name
    assert user_by_pk(customer.pk + 10_000) is None
    assert EntranceBackend().get_user("not a number") is None

    testing.login_customer(client, customer)
    assert client.get(reverse("storefront:profile")).status_code == 200
    User.objects.filter(pk=customer.pk).update(is_active=False)
    assert EntranceBackend().get_user(customer.pk) is None
    assert client.get(reverse("storefront:profile")).status_code == 302  # signed out
