"""The configurator panel's option groups, kept in the shared cache per product version, choice
and language (issue 21, fourth pass): a kept panel never outlives a staff edit, and never
answers in the wrong language."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.configurator.demo import create_demo_laptop
from rapport.configurator.editor import edit

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def test_a_kept_panel_is_not_served_after_a_staff_edit(client):
    conf = create_demo_laptop()
    url = reverse("storefront:configure", kwargs={"public_id": conf.product.public_id})
    choice = {"g-chassis": "compact", "action": "check"}
    first = client.post(url, choice, headers=HTMX).content.decode()
    assert "Turbo 24-core processor" not in first
    assert 'class="option chosen" data-option="chassis-compact"' in first

    edit(
        configurable=conf,
        what="option",
        data={"group": "cpu", "code": "turbo", "name": "Turbo 24-core processor"},
        actor=None,
    )
    again = client.post(url, choice, headers=HTMX).content.decode()

    assert 'data-option="cpu-turbo"' in again
    assert "Turbo 24-core processor" in again
    assert 'class="option chosen" data-option="chassis-compact"' in again


def test_a_kept_panel_answers_in_the_language_asked_for(client):
    conf = create_demo_laptop()
    url = reverse("storefront:configure", kwargs={"public_id": conf.product.public_id})
    choice = {"g-chassis": "compact", "action": "check"}

    chinese = client.post(url, choice, headers=HTMX | {"Accept-Language": "zh-hans"})
    english = client.post(url, choice, headers=HTMX | {"Accept-Language": "en"})
    chinese_again = client.post(url, choice, headers=HTMX | {"Accept-Language": "zh-hans"})

    assert '<legend>Extras <span class="meta">(可选)</span></legend>' in chinese.content.decode()
    assert (
        '<legend>Extras <span class="meta">(optional)</span></legend>' in english.content.decode()
    )
    assert chinese_again.content == chinese.content.replace(
        _token(chinese.content), _token(chinese_again.content)
    )


def _token(page: bytes) -> bytes:
    start = page.index(b'name="csrfmiddlewaretoken" value="') + 34
    return page[start : page.index(b'"', start)]
