"""Data rights: export everything, erase so the email is nowhere, merge keeping all history."""

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from rapport.core import audit
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer, Interest, Occupation, Purpose
from rapport.customers.services import (
    CustomerError,
    add_contact_point,
    erase_customer,
    export_customer_data,
    merge_customers,
    record_contact_failure,
)
from rapport.customers.tests.factories import CustomerFactory, with_email
from rapport.messaging.services import queue_message
from rapport.orders.models import Order, OrderLine, Review
from rapport.payments.models import Payment

pytestmark = pytest.mark.django_db

EMAIL = "Ann.Secret@Example.com"


def _order(customer, number, total="12.50"):
    order = Order.objects.create(
        number=number, customer=customer, total=Decimal(total), placed_at=timezone.now()
    )
    OrderLine.objects.create(
        order=order,
        sku="85123A",
        name="HEART T-LIGHT HOLDER",
        quantity=2,
        unit_price=Decimal(total) / 2,
        line_total=Decimal(total),
    )
    Payment.objects.create(order=order, method="card", amount=Decimal(total), currency="GBP")
    return order


@pytest.fixture
def ann(make_user, settings, django_capture_on_commit_callbacks):
    settings.RAPPORT_QUIET_HOURS_START = settings.RAPPORT_QUIET_HOURS_END = 0
    user = make_user(EMAIL.lower(), first_name="Annabel", last_name="Secretary")
    customer = CustomerFactory(
        user=user,
        name="Annabel Secretary",
        email=EMAIL.lower(),
        gender="female",
        birthday=datetime.date(1988, 3, 14),
        occupation=Occupation.objects.get(slug="teacher"),
        city="Leeds",
        postal_code="LS1 4AP",
        time_zone="Europe/London",
        language="en",
    )
    customer.interests.add(Interest.objects.get(slug="books"))
    with_email(customer, EMAIL)
    add_contact_point(
        customer=customer, kind="phone", value="+44 7700 900123", actor=user, source="checkout"
    )
    add_contact_point(
        customer=customer,
        kind="address",
        value="1 Park Row, Leeds LS1 4AP",
        actor=user,
        source="checkout",
    )
    order = _order(customer, "R-1001")
    Review.objects.create(order=order, score=5, title="Lovely", text="Great holder")
    with django_capture_on_commit_callbacks(execute=True):
        queue_message(
            customer=customer, template="news", context={"body": "Hi"}, purpose=Purpose.MARKETING
        )
    audit.record(
        action="auth.login",
        actor=user,
        customer=customer,
        summary=f"{EMAIL} logged in",
        data={"email": EMAIL, "nested": [{"to": EMAIL.upper()}]},
    )
    # An employee's note on an unrelated record that mentions her address.
    audit.record(action="note.added", summary=f"Called about {EMAIL.lower()}", data={})
    return customer


def test_export_holds_every_personal_field(ann):
    data = export_customer_data(customer=ann, actor=ann.user)

    text = json.dumps(data)
    for value in [
        "Annabel Secretary",
        EMAIL.lower(),
        "female",
        "1988-03-14",
        "Teacher",
        "Books",
        "Leeds",
        "LS1 4AP",
        "Europe/London",
        "+44 7700 900123",
        "1 Park Row, Leeds LS1 4AP",
        "R-1001",
        "12.50",
        "HEART T-LIGHT HOLDER",
        "Great holder",
        "News from Rapport",
    ]:
        assert value in text, value
    assert data["login"]["first_name"] == "Annabel"
    assert {p["kind"] for p in data["contact_points"]} == {"email", "phone", "address"}
    assert data["contact_points"][0]["consents"]
    assert data["customer"]["age"] == ann.age
    assert (
        AuditEntry.objects.filter(
            customer=ann, action="customer.data_exported", summary="Customer data export"
        ).count()
        == 1
    )


def _every_text_cell_containing(needle):
    """Scan every column of every table (cast to text) for `needle`, case-insensitively."""
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                name = connection.ops.quote_name(column.name)
                cursor.execute(
                    f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)} "  # noqa: S608
                    f"WHERE LOWER(CAST({name} AS TEXT)) LIKE %s",
                    [f"%{needle.lower()}%"],
                )
                if cursor.fetchone()[0]:
                    hits.append(f"{table}.{column.name}")
    return hits


def test_after_erase_the_old_email_appears_nowhere_in_the_database(ann, people):
    assert _every_text_cell_containing(EMAIL)  # the scan does find it before

    # Queued but not sent yet (its after-commit dispatch never runs in this test transaction).
    unsent = queue_message(
        customer=ann, template="notice", context={}, purpose=Purpose.TRANSACTIONAL
    )

    erase_customer(customer=ann, actor=people["manager"], reason="Request #42")

    for personal in [EMAIL, "+44 7700 900123", "Park Row", "Annabel Secretary", "Secretary"]:
        assert _every_text_cell_containing(personal) == [], personal
    ann.refresh_from_db()
    assert (ann.name, ann.email, ann.birthday, ann.occupation_id, ann.gender) == (
        "",
        "",
        None,
        None,
        "",
    )
    assert ann.interests.count() == 0 and ann.contact_points.count() == 0
    unsent.refresh_from_db()
    assert (unsent.status, unsent.to_address) == ("cancelled", "[erased]")
    assert ann.user.is_active is False and not ann.user.has_usable_password()
    # The accounts keep their figures.
    order = Order.objects.get(number="R-1001")
    assert (order.customer_id, order.total, order.lines.count(), order.payments.count()) == (
        ann.pk,
        Decimal("12.50"),
        1,
        1,
    )
    assert AuditEntry.objects.filter(customer=ann, action="customer.erased").count() == 1
    assert AuditEntry.objects.filter(action="auth.login", customer=ann).get().data == {
        "email": "[erased]",
        "nested": [{"to": "[erased]"}],
    }


def test_erase_needs_a_reason_and_then_changes_nothing(ann, people):
    with pytest.raises(CustomerError):
        erase_customer(customer=ann, actor=people["manager"], reason=" ")

    ann.refresh_from_db()
    assert ann.email == EMAIL.lower() and ann.erased_at is None


def test_merge_keeps_every_order_and_timeline_entry(people):
    survivor = CustomerFactory(email="sam@example.com", name="Sam")
    with_email(survivor)
    loser = CustomerFactory(email="SAM@example.com", name="", city="York")
    with_email(loser, "sam@example.com")
    add_contact_point(customer=loser, kind="phone", value="+44 1", actor=None, source="import")
    loser.interests.add(Interest.objects.get(slug="sports"))
    for n in range(2):
        _order(survivor, f"S-{n}")
    for n in range(3):
        _order(loser, f"L-{n}")
    audit.record(action="order.placed", customer=loser, summary="L order")
    audit.record(action="order.placed", customer=survivor, summary="S order")
    before = set(
        AuditEntry.objects.filter(customer__in=[survivor, loser]).values_list("pk", flat=True)
    )

    merge_customers(survivor=survivor, loser=loser, actor=people["manager"])

    assert Order.objects.filter(customer=survivor).count() == 5
    assert Order.objects.filter(customer=loser).count() == 0
    after = set(AuditEntry.objects.filter(customer=survivor).values_list("pk", flat=True))
    assert before <= after
    assert not AuditEntry.objects.filter(customer=loser).exists()
    survivor.refresh_from_db()
    loser.refresh_from_db()
    assert loser.merged_into_id == survivor.pk
    assert survivor.city == "York"
    assert sorted(survivor.contact_points.values_list("kind", "value")) == [
        ("email", "sam@example.com"),
        ("phone", "+44 1"),
    ]
    assert list(survivor.interests.values_list("slug", flat=True)) == ["sports"]
    assert not Customer.objects.active().filter(pk=loser.pk).exists()
    merged = AuditEntry.objects.get(customer=survivor, action="customer.merged")
    assert merged.data["orders"] == 3 and merged.data["timeline_entries"] >= 2


def test_merge_into_itself_is_refused(people):
    customer = CustomerFactory()
    with pytest.raises(CustomerError):
        merge_customers(survivor=customer, loser=customer, actor=people["manager"])


def test_contact_point_fails_after_the_hard_limit_or_the_soft_limit(settings):
    settings.RAPPORT_BOUNCE_HARD_LIMIT, settings.RAPPORT_BOUNCE_SOFT_LIMIT = 2, 3
    hard = with_email(CustomerFactory())
    soft = with_email(CustomerFactory())

    statuses_hard = [
        record_contact_failure(contact_point=hard, permanent=True, reason="5.1.1").status
        for _ in range(2)
    ]
    statuses_soft = [
        record_contact_failure(contact_point=soft, permanent=False, reason="4.2.2").status
        for _ in range(3)
    ]

    assert statuses_hard == ["failing", "failed"]
    assert statuses_soft == ["failing", "failing", "failed"]
