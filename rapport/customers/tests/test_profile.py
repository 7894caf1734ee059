"""Profile, progressive profiling, consent and the timeline read."""

import datetime

import pytest

from rapport.core import audit
from rapport.core.models import AuditEntry
from rapport.customers import queries
from rapport.customers.models import Customer, Interest, Occupation
from rapport.customers.profiling import ProfilingError
from rapport.customers.services import (
    CustomerError,
    add_contact_point,
    answer_profile_question,
    create_customer_for_user,
    refuse_profile_question,
    update_profile,
)
from rapport.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_occupations_and_interests_are_seeded_in_two_languages():
    engineer = Occupation.objects.get(slug="engineer")
    assert (engineer.name, engineer.name_zh_hans) == ("Engineer", "工程师")
    assert Interest.objects.filter(is_active=True).count() == 12


def test_age_is_computed_when_read():
    today = datetime.date.today()
    customer = CustomerFactory(birthday=today.replace(year=today.year - 30))

    assert customer.age == 30
    assert "age" not in {f.name for f in Customer._meta.get_fields()}


def test_registration_creates_email_contact_point_with_transactional_consent(make_user):
    user = make_user("new@example.com")

    customer = create_customer_for_user(user=user)

    point = customer.contact_points.get()
    assert (point.kind, point.value, point.is_primary) == ("email", "new@example.com", True)
    consent = point.consents.get()
    assert (consent.purpose, consent.granted, consent.source) == (
        "transactional",
        True,
        "registration",
    )


def test_questions_come_one_at_a_time_and_answered_or_refused_ones_never_return():
    customer = CustomerFactory()

    assert queries.next_question(customer).key == "occupation"
    answer_profile_question(customer=customer, question="occupation", value="engineer", actor=None)
    customer.refresh_from_db()
    assert queries.next_question(customer).key == "interests"
    answer_profile_question(customer=customer, question="interests", value="books", actor=None)
    assert queries.next_question(customer).key == "birth_month"
    refuse_profile_question(customer=customer, question="birth_month", actor=None)
    customer.refresh_from_db()
    assert queries.next_question(customer).key == "gender"
    refuse_profile_question(customer=customer, question="gender", actor=None)
    customer.refresh_from_db()

    assert queries.next_question(customer) is None
    assert customer.occupation.slug == "engineer"
    assert list(customer.interests.values_list("slug", flat=True)) == ["books"]
    assert customer.profiling_refused == ["birth_month", "gender"]


def test_a_wrong_answer_is_refused_and_stores_nothing():
    customer = CustomerFactory()

    with pytest.raises(ProfilingError):
        answer_profile_question(
            customer=customer, question="occupation", value="astronaut", actor=None
        )
    with pytest.raises(ProfilingError):
        answer_profile_question(customer=customer, question="birth_month", value="13", actor=None)

    customer.refresh_from_db()
    assert (customer.occupation_id, customer.birth_month) == (None, None)
    assert not AuditEntry.objects.filter(customer=customer).exists()


def test_update_profile_rejects_bad_time_zone_and_changes_nothing():
    customer = CustomerFactory(time_zone="UTC")

    with pytest.raises(CustomerError):
        update_profile(customer=customer, actor=None, time_zone="Mars/Olympus", name="X")

    customer.refresh_from_db()
    assert (customer.time_zone, customer.name.startswith("Customer")) == ("UTC", True)


def test_update_profile_logs_which_fields_changed():
    customer = CustomerFactory()

    update_profile(
        customer=customer, actor=None, birthday=datetime.date(1990, 4, 2), language="zh-hans"
    )

    customer.refresh_from_db()
    assert customer.birth_month == 4
    entry = AuditEntry.objects.get(customer=customer, action="profile.changed")
    assert entry.data == {"fields": ["birthday", "language", "birth_month"]}


def test_add_contact_point_validates_and_is_idempotent():
    customer = CustomerFactory()

    with pytest.raises(CustomerError):
        add_contact_point(
            customer=customer, kind="email", value="not-an-email", actor=None, source="staff"
        )
    first = add_contact_point(
        customer=customer, kind="phone", value=" +44 20  7946 0000 ", actor=None, source="staff"
    )
    again = add_contact_point(
        customer=customer, kind="phone", value="+44 20 7946 0000", actor=None, source="staff"
    )

    assert first.pk == again.pk
    assert first.value == "+44 20 7946 0000"
    assert customer.contact_points.count() == 1


def test_timeline_filters_by_kind_and_paginates():
    customer = CustomerFactory()
    for n in range(3):
        audit.record(action="order.placed", customer=customer, summary=f"Order {n}")
    audit.record(action="message.sent", customer=customer, summary="Mail")
    audit.record(action="auth.login", customer=customer, summary="Logged in")
    audit.record(action="order.placed", customer=CustomerFactory(), summary="Someone else")

    orders = queries.timeline(customer, kinds=["order"], per_page=2)
    everything = queries.timeline(customer)

    assert [e.summary for e in orders] == ["Order 2", "Order 1"]
    assert orders.paginator.count == 3
    assert [e.kind for e in everything] == ["auth", "message", "order", "order", "order"]


def test_active_and_reachable_querysets_follow_contact_point_status():
    from django.utils import timezone

    from rapport.customers.models import ContactStatus
    from rapport.customers.tests.factories import with_email

    nothing = CustomerFactory()
    email_failed_phone_ok = CustomerFactory()
    with_email(email_failed_phone_ok).__class__.objects.filter(
        customer=email_failed_phone_ok
    ).update(status=ContactStatus.FAILED)
    add_contact_point(
        customer=email_failed_phone_ok, kind="phone", value="+1 555", actor=None, source="t"
    )
    all_failed = CustomerFactory()
    with_email(all_failed).__class__.objects.filter(customer=all_failed).update(
        status=ContactStatus.FAILED
    )
    retired = CustomerFactory(retired_at=timezone.now())
    with_email(retired)

    assert set(Customer.objects.active()) == {nothing, email_failed_phone_ok, all_failed}
    assert set(Customer.objects.reachable()) == {email_failed_phone_ok}
    assert set(Customer.objects.unreachable_candidates()) == {all_failed}
