"""Permission matrix for the storefront and portal URLs of occasions and campaigns."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from rapport.campaigns.models import AudienceKind, Campaign
from rapport.campaigns.occasion_services import declare_occasion
from rapport.campaigns.reminders import occasion_campaign
from rapport.campaigns.sending import topic_token
from rapport.campaigns.services import save_campaign
from rapport.core.testing import (
    ALLOW,
    MANAGER_ONLY,
    NOT_FOUND,
    REDIRECT_LOGIN,
    Row,
    check_matrix,
    expect,
)
from rapport.customers.models import Customer

pytestmark = pytest.mark.django_db

MANAGERS = expect(**MANAGER_ONLY)

OWN = {
    "anonymous": REDIRECT_LOGIN,
    "customer": ALLOW,
    "other_customer": ALLOW,
    "employee": NOT_FOUND,
    "manager": NOT_FOUND,
}


@pytest.fixture
def objects(people):
    ann = Customer.objects.get(user=people["customer"])
    occasion = declare_occasion(
        customer=ann, actor=None, name="Wedding day", date=datetime.date(2020, 6, 9)
    )
    campaign = save_campaign(
        actor=people["manager"],
        name="Spring",
        audience_kind=AudienceKind.LIST,
        audience_list="ann@example.com",
        variants=[("Hello {name}", "Spring is here, {name}.")],
    )
    return {
        "occasion": occasion,
        "campaign": campaign,
        "always_on": occasion_campaign(),
        "token": topic_token(ann, campaign),
    }


def by_id(name: str, key: str):
    return lambda o: reverse(name, kwargs={"public_id": o[key].public_id})


def test_permission_matrix(clients, objects):
    occasions = reverse("storefront:occasions")
    done = f"redirect:{occasions}"
    rows = [
        Row("storefront:occasions", occasions, OWN),
        Row(
            "storefront:occasions declare",
            occasions,
            {**OWN, "customer": done, "other_customer": done},
            method="post",
            data={"name": "Anniversary", "date": "2021-09-01"},
        ),
        # only the owner reaches their occasion; the other customer gets a 404
        Row(
            "storefront:occasion_update",
            by_id("storefront:occasion_update", "occasion"),
            {**OWN, "customer": done, "other_customer": NOT_FOUND},
            method="post",
            data={"enabled": "on"},
        ),
        Row(
            "storefront:campaign_topic_unsubscribe",
            lambda o: reverse("storefront:campaign_topic_unsubscribe", args=[o["token"]]),
            dict.fromkeys(("anonymous", "customer", "other_customer", "employee", "manager"), 200),
        ),
        Row("portal:campaigns", reverse("portal:campaigns"), MANAGERS),
        Row("portal:campaign_create", reverse("portal:campaign_create"), MANAGERS),
        Row("portal:campaign", by_id("portal:campaign", "campaign"), MANAGERS),
        Row("portal:campaign always on", by_id("portal:campaign", "always_on"), MANAGERS),
        Row("portal:campaign_edit", by_id("portal:campaign_edit", "campaign"), MANAGERS),
        Row(
            "portal:campaign_preview",
            by_id("portal:campaign_preview", "campaign"),
            MANAGERS,
            data={"customer": "ann@example.com"},
        ),
        Row(
            "portal:campaign_send",
            by_id("portal:campaign_send", "campaign"),
            {**MANAGERS, "manager": "redirect:" + by_id("portal:campaign", "campaign")(objects)},
            method="post",
        ),
    ]
    assert check_matrix(rows, clients, objects) == []


def test_unknown_campaign_is_404_for_managers(clients):
    import uuid

    response = clients["manager"].get(reverse("portal:campaign", args=[uuid.uuid4()]))
    assert response.status_code == 404
    assert Campaign.objects.count() == 0
