"""The customer's occasions page, the 360° view and the campaign pages, through HTTP."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from rapport.campaigns.models import Campaign, Occasion, TopicOptOut
from rapport.campaigns.occasion_services import declare_occasion
from rapport.customers.models import Customer
from rapport.customers.tests.factories import with_email
from rapport.segments.models import Segment, SegmentMembership

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(people):
    return Customer.objects.get(user=people["customer"])


def test_customer_sees_turns_off_and_moves_an_occasion(clients, ann):
    occasion = declare_occasion(
        customer=ann, actor=None, name="Wedding day", date=datetime.date(2020, 6, 9)
    )
    page = clients["customer"].get(reverse("storefront:occasions"))
    assert page.status_code == 200
    assert "Wedding day" in page.content.decode()
    assert "remind you before it" in page.content.decode()

    response = clients["customer"].post(
        reverse("storefront:occasion_update", args=[occasion.public_id]),
        {"name": "Our wedding", "date": "2020-06-10"},  # no "enabled": turned off
    )
    assert response.status_code == 302
    occasion.refresh_from_db()
    assert (occasion.name, occasion.month, occasion.day, occasion.enabled) == (
        "Our wedding",
        6,
        10,
        False,
    )


def test_another_customer_cannot_touch_my_occasion(clients, ann):
    occasion = declare_occasion(customer=ann, actor=None, name="Mine", date=datetime.date.today())
    response = clients["other_customer"].post(
        reverse("storefront:occasion_update", args=[occasion.public_id]), {"name": "Theirs"}
    )
    assert response.status_code == 404
    occasion.refresh_from_db()
    assert (occasion.name, occasion.enabled) == ("Mine", True)


def test_bad_date_is_a_clear_error_and_nothing_is_added(clients, ann):
    response = clients["customer"].post(
        reverse("storefront:occasions"), {"name": "Party", "date": "31/02/2020"}
    )
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()
    assert not Occasion.objects.exists()


def test_topics_switched_off_and_on_from_the_account(clients, ann):
    url = reverse("storefront:occasions")
    clients["customer"].post(url, {"action": "topics", "topic-offers": "on"})
    assert list(TopicOptOut.objects.values_list("topic", flat=True)) == ["occasions"]
    clients["customer"].post(
        url, {"action": "topics", "topic-offers": "on", "topic-occasions": "on"}
    )
    assert not TopicOptOut.objects.exists()


def test_staff_360_page_lists_the_occasions(clients, ann):
    declare_occasion(customer=ann, actor=None, name="Wedding day", date=datetime.date(2020, 6, 9))
    page = clients["employee"].get(reverse("portal:customer_detail", args=[ann.public_id]))
    assert page.status_code == 200
    assert 'data-testid="customer-occasions"' in page.content.decode()
    assert "Wedding day" in page.content.decode()


def test_manager_composes_previews_and_sends_a_segment_campaign(
    clients, ann, settings, django_capture_on_commit_callbacks
):
    settings.RAPPORT_QUIET_HOURS_START = settings.RAPPORT_QUIET_HOURS_END = 0
    with_email(ann)
    segment = Segment.objects.create(name="Friends")
    SegmentMembership.objects.create(segment=segment, customer=ann)
    manager = clients["manager"]
    response = manager.post(
        reverse("portal:campaign_create"),
        {
            "name": "Autumn",
            "topic": "offers",
            "audience_kind": "segment",
            "segment": segment.pk,
            "occasion_within_days": 30,
            "subject_a": "Autumn for {name}",
            "body_a": "Leaves are falling.",
            "control_percent": 0,
            "attribution_days": 7,
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    shown = manager.get(
        reverse("portal:campaign_preview", args=[campaign.public_id]),
        {"customer": "ann@example.com"},
    )
    assert "Autumn for Ann Buyer" in shown.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = manager.post(reverse("portal:campaign_send", args=[campaign.public_id]))
    assert sent.status_code == 302
    campaign.refresh_from_db()
    report = manager.get(reverse("portal:campaign", args=[campaign.public_id])).content.decode()
    assert 'data-testid="report-mailed">1<' in report


def test_a_campaign_form_with_an_unknown_sku_says_so(clients):
    response = clients["manager"].post(
        reverse("portal:campaign_create"),
        {
            "name": "X",
            "topic": "offers",
            "audience_kind": "list",
            "audience_list": "a@example.com",
            "occasion_within_days": 30,
            "subject_a": "S",
            "body_a": "B",
            "product_skus": "NOPE-1",
            "control_percent": 10,
            "attribution_days": 7,
        },
    )
    assert response.status_code == 400
    assert "NOPE-1" in response.content.decode()
    assert not Campaign.objects.exists()


def test_occasions_page_in_chinese(clients, ann):
    page = clients["customer"].get(reverse("storefront:occasions"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "我的纪念日" in page.content.decode()
