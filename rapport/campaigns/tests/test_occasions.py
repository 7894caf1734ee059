"""Occasions stored per customer: refreshed from orders, edited or turned off by the customer."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from rapport.campaigns.models import Occasion, OccasionKind
from rapport.campaigns.occasion_services import (
    OccasionError,
    declare_occasion,
    next_occurrence,
    refresh_occasions,
    update_occasion,
)
from rapport.campaigns.tasks import refresh_occasions_task
from rapport.campaigns.tests.factories import gift_buyer, order_on
from rapport.core.models import AuditEntry
from rapport.customers.tests.factories import contactable

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


def test_a_gift_bought_every_year_becomes_an_occasion_with_its_lead_time():
    customer, _gift = gift_buyer(TODAY)
    result = refresh_occasions(today=TODAY)
    occasion = Occasion.objects.get(customer=customer)
    assert occasion.kind == OccasionKind.MINED
    assert occasion.next_date == TODAY + datetime.timedelta(days=20)
    assert occasion.repetitions == 3
    assert occasion.strength > 0
    assert len(occasion.source_dates) == 3
    assert result.created == 1
    assert AuditEntry.objects.filter(action="occasions.refreshed").count() == 1


def test_a_customer_who_buys_every_fortnight_has_no_occasion():
    customer = contactable()
    day = TODAY - datetime.timedelta(days=3 * 364)
    while day < TODAY:
        order_on(customer, day)
        day += datetime.timedelta(days=14)
    refresh_occasions(today=TODAY)
    assert not Occasion.objects.filter(customer=customer).exists()


def test_refreshing_again_updates_in_place_and_keeps_what_the_customer_turned_off():
    customer, _gift = gift_buyer(TODAY)
    refresh_occasions(today=TODAY)
    occasion = Occasion.objects.get(customer=customer)
    update_occasion(occasion=occasion, actor=None, enabled=False)
    refresh_occasions(today=TODAY)
    again = Occasion.objects.get(customer=customer)
    assert again.pk == occasion.pk
    assert again.enabled is False


def test_a_date_the_customer_moved_is_kept_and_rolls_on_to_next_year():
    customer, _gift = gift_buyer(TODAY)
    refresh_occasions(today=TODAY)
    occasion = Occasion.objects.get(customer=customer)
    update_occasion(
        occasion=occasion, actor=None, enabled=True, name="Mum", date=datetime.date(2026, 3, 1)
    )
    refresh_occasions(today=TODAY)
    again = Occasion.objects.get(customer=customer)
    assert (again.month, again.day, again.name) == (3, 1, "Mum")
    assert again.next_date == datetime.date(2027, 3, 1)  # 1 March has passed on 2 March


def test_birthday_counts_only_with_marketing_consent():
    agreed = contactable(birthday=datetime.date(1990, 7, 14))
    refused = contactable(birthday=datetime.date(1991, 7, 15))
    refused.contact_points.first().consents.filter(purpose="marketing").update(granted=False)
    refresh_occasions(today=TODAY)
    birthday = Occasion.objects.get(customer=agreed)
    assert birthday.kind == OccasionKind.BIRTHDAY
    assert birthday.next_date == datetime.date(2026, 7, 14)
    assert not Occasion.objects.filter(customer=refused).exists()
    # consent withdrawn later: the birthday goes at the next refresh
    agreed.contact_points.first().consents.filter(purpose="marketing").update(granted=False)
    refresh_occasions(today=TODAY)
    assert not Occasion.objects.filter(customer=agreed).exists()


def test_declared_dates_are_validated_and_on_the_timeline():
    customer = contactable()
    with pytest.raises(OccasionError):
        declare_occasion(customer=customer, actor=None, name=" ", date=TODAY)
    assert not Occasion.objects.exists()
    occasion = declare_occasion(
        customer=customer, actor=None, name="Anniversary", date=datetime.date(2020, 6, 9)
    )
    assert occasion.next_date == next_occurrence(6, 9, timezone.localdate())
    assert AuditEntry.objects.filter(customer=customer, action="occasion.declared").count() == 1


def test_next_occurrence_of_29_february_in_a_common_year():
    assert next_occurrence(2, 29, datetime.date(2027, 1, 1)) == datetime.date(2027, 2, 28)


def test_the_beat_task_refreshes_everyone():
    gift_buyer(timezone.localdate())
    assert refresh_occasions_task.apply().get() == 1
    assert Occasion.objects.count() == 1
