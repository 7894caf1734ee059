"""Permission matrix for the configurator's storefront and portal pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.configurator.demo import create_demo_laptop
from rapport.core.testing import (
    ALLOW,
    MANAGER_ONLY,
    NOT_FOUND,
    REDIRECT_HOME,
    REDIRECT_LOGIN,
    Row,
    check_matrix,
    expect,
    redirect_to,
)

pytestmark = pytest.mark.django_db


def test_permission_matrix_for_configurator_pages(clients):
    laptop = create_demo_laptop().product
    configure = reverse("storefront:configure", args=[laptop.public_id])
    editor_url = reverse("portal:configurator_edit", args=[laptop.public_id])
    rows = [
        Row("storefront:configure", configure, expect(everyone=ALLOW)),
        Row(
            "storefront:configure",
            reverse("storefront:configure", args=["00000000-0000-0000-0000-000000000000"]),
            expect(everyone=NOT_FOUND),
        ),
        Row(
            "storefront:custom_request",
            reverse("storefront:custom_request", args=[laptop.public_id]),
            expect(
                anonymous=REDIRECT_LOGIN,
                customers=redirect_to(laptop.get_absolute_url()),
                staff=NOT_FOUND,
            ),
            method="post",
            data={"text": "A purple chassis"},
        ),
        Row(
            "portal:configurator_list", reverse("portal:configurator_list"), expect(**MANAGER_ONLY)
        ),
        Row("portal:custom_requests", reverse("portal:custom_requests"), expect(**MANAGER_ONLY)),
        Row("portal:configurator_edit", editor_url, expect(**MANAGER_ONLY)),
        Row(
            "portal:configurator_edit",
            reverse("portal:configurator_edit", args=["00000000-0000-0000-0000-000000000000"]),
            expect(non_managers=REDIRECT_HOME, manager=NOT_FOUND),
        ),
        Row(
            "portal:configurator_change",
            reverse("portal:configurator_change", args=[laptop.public_id]),
            expect(non_managers=REDIRECT_HOME, manager=redirect_to(editor_url)),
            method="post",
            data={"what": "settings", "freedom": "full", "lead_days": "3"},
        ),
    ]
    assert check_matrix(rows, clients, {}) == []
