"""Staff customer pages: the 360° view, upkeep actions, data rights, permission matrix."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.core import audit
from rapport.core.models import AuditEntry
from rapport.core.testing import REDIRECT_HOME, Row, check_matrix
from rapport.customers.models import ContactStatus, Customer
from rapport.customers.services import add_contact_point
from rapport.customers.tests.factories import CustomerFactory, with_email
from rapport.orders.models import Order, OrderKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(people):
    customer = Customer.objects.get(user=people["customer"])
    with_email(customer)
    add_contact_point(
        customer=customer, kind="phone", value="+44 1632 960000", actor=None, source="checkout"
    )
    return customer


def staff(employee, manager=None):
    return {
        "anonymous": REDIRECT_HOME,
        "customer": REDIRECT_HOME,
        "other_customer": REDIRECT_HOME,
        "employee": employee,
        "manager": employee if manager is None else manager,
    }


def managers(code):
    return staff(REDIRECT_HOME, code)


def test_permission_matrix_for_customer_pages(clients, ann):
    duplicate = CustomerFactory(email="ann@example.com")
    detail = reverse("portal:customer_detail", args=[ann.public_id])
    phone = ann.contact_points.get(kind="phone")
    erase = reverse("portal:customer_erase", args=[ann.public_id])
    rows = [
        Row("list", reverse("portal:customer_list"), staff(200)),
        Row("detail", detail, staff(200)),
        Row(
            "unknown customer",
            reverse("portal:customer_detail", args=["00000000-0000-0000-0000-000000000000"]),
            staff(404),
        ),
        Row(
            "mark failed",
            reverse("portal:customer_contact_fail", args=[ann.public_id, phone.pk]),
            staff(f"redirect:{detail}"),
            method="post",
            data={"reason": "number disconnected"},
        ),
        Row(
            "retire",
            reverse("portal:customer_retire", args=[ann.public_id]),
            staff(f"redirect:{detail}"),
            method="post",
            data={"reason": "asked by phone"},
        ),
        Row(
            "restore",
            reverse("portal:customer_restore", args=[ann.public_id]),
            staff(f"redirect:{detail}"),
            method="post",
        ),
        Row(
            "merge preview",
            reverse("portal:customer_merge", args=[ann.public_id])
            + f"?other={duplicate.public_id}",
            managers(200),
        ),
        Row(
            "export",
            reverse("portal:customer_export", args=[ann.public_id]),
            managers(200),
            method="post",
        ),
        Row("erase confirm", erase, managers(200)),
        Row(
            "erase unconfirmed",
            erase,
            managers(f"redirect:{erase}"),
            method="post",
            data={"reason": "x"},
        ),
        Row(
            "merge",
            reverse("portal:customer_merge", args=[ann.public_id]),
            managers(f"redirect:{detail}"),
            method="post",
            data={"other": str(duplicate.public_id)},
        ),
    ]
    assert check_matrix(rows, clients, {}) == []
    ann.refresh_from_db()
    duplicate.refresh_from_db()
    assert ann.erased_at is None
    assert duplicate.merged_into_id == ann.pk


def test_360_page_shows_profile_contact_points_orders_spend_and_timeline(
    clients, ann, django_assert_max_num_queries
):
    Order.objects.create(
        number="R-1", customer=ann, total=Decimal("30.00"), placed_at=timezone.now()
    )
    Order.objects.create(
        number="R-2", customer=ann, total=Decimal("12.50"), placed_at=timezone.now()
    )
    Order.objects.create(
        number="C-1",
        customer=ann,
        total=Decimal("-5.00"),
        placed_at=timezone.now(),
        kind=OrderKind.CREDIT_NOTE,
    )
    audit.record(action="message.opened", customer=ann, summary="Opened “Spring news”")

    with django_assert_max_num_queries(25):
        response = clients["employee"].get(reverse("portal:customer_detail", args=[ann.public_id]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="lifetime-spend">£37.50<' in html
    assert "R-1" in html and "C-1" in html
    assert "+44 1632 960000" in html and "Unverified" in html
    assert "Opened “Spring news”" in html
    assert 'data-testid="customer-segments"' in html  # the segments include (M3)


def test_staff_marks_a_phone_failed_with_a_reason(clients, ann, people):
    phone = ann.contact_points.get(kind="phone")

    clients["employee"].post(
        reverse("portal:customer_contact_fail", args=[ann.public_id, phone.pk]),
        {"reason": "Number disconnected"},
    )

    phone.refresh_from_db()
    assert (phone.status, phone.failure_reason) == (ContactStatus.FAILED, "Number disconnected")
    entry = AuditEntry.objects.get(customer=ann, action="contact.failed")
    assert entry.actor == people["employee"]


def test_marking_failed_without_a_reason_changes_nothing(clients, ann):
    phone = ann.contact_points.get(kind="phone")

    clients["employee"].post(
        reverse("portal:customer_contact_fail", args=[ann.public_id, phone.pk]), {"reason": ""}
    )

    phone.refresh_from_db()
    assert phone.status == ContactStatus.UNVERIFIED
    assert not AuditEntry.objects.filter(customer=ann, action="contact.failed").exists()


def test_contact_point_of_another_customer_is_404(clients, ann, people):
    bob = Customer.objects.get(user=people["other_customer"])
    bobs = with_email(bob)

    response = clients["employee"].post(
        reverse("portal:customer_contact_fail", args=[ann.public_id, bobs.pk]), {"reason": "x"}
    )

    assert response.status_code == 404
    bobs.refresh_from_db()
    assert bobs.status == ContactStatus.UNVERIFIED


def test_manager_exports_and_erases(clients, ann):
    export = clients["manager"].post(reverse("portal:customer_export", args=[ann.public_id]))
    assert json.loads(export.content)["customer"]["name"] == "Ann Buyer"

    clients["manager"].post(
        reverse("portal:customer_erase", args=[ann.public_id]),
        {"reason": "Ticket 7", "confirm": "erase"},
    )

    ann.refresh_from_db()
    assert ann.erased_at is not None and ann.email == "" and ann.contact_points.count() == 0


def test_customer_list_searches_and_hides_retired_unless_asked(clients, ann):
    retired = CustomerFactory(name="Retired Rita", retired_at=timezone.now(), retired_reason="x")

    default = (
        clients["employee"].get(reverse("portal:customer_list"), {"q": "Rita"}).content.decode()
    )
    with_retired = (
        clients["employee"]
        .get(reverse("portal:customer_list"), {"q": "Rita", "retired": "1"})
        .content.decode()
    )

    assert "Retired Rita" not in default
    assert str(retired.public_id) in with_retired


def test_manager_adds_renames_and_retires_profile_choices(clients):
    from rapport.customers import queries
    from rapport.customers.models import Interest, Occupation

    url = reverse("portal:customer_choices")
    clients["manager"].post(
        url, {"kind": "interest", "name": "Board games", "name_zh_hans": "桌游"}
    )
    clients["manager"].post(
        url, {"kind": "interest", "slug": "board-games", "name": "Tabletop games"}
    )
    clients["manager"].post(
        reverse("portal:customer_choice_toggle", args=["interest", "sports"]), {"active": "0"}
    )
    duplicate = clients["manager"].post(url, {"kind": "interest", "name": "Books"}, follow=True)

    added = Interest.objects.get(slug="board-games")
    assert (added.name, added.name_zh_hans) == ("Tabletop games", "")
    assert "That interest exists already." in duplicate.content.decode()
    chips = [
        c.value
        for c in queries.next_question(
            CustomerFactory(occupation=Occupation.objects.first())
        ).choices
    ]
    assert "board-games" in chips and "sports" not in chips
