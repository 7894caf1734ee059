"""Permission matrix for the configurator's storefront and portal pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.configurator.demo import create_demo_laptop
from rapport.core.testing import (
    ALLOW,
    NOT_FOUND,
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
    ]
    assert check_matrix(rows, clients, {}) == []
