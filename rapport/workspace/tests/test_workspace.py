"""The employee's day: tasks from real work, notes with @mentions, team load, who sees what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.roles import EMPLOYEE
from rapport.aftersales.tests.factories import buy, deliver, reachable
from rapport.aftersales.tickets import open_inquiry, update_ticket
from rapport.chat.services import start_customer_chat
from rapport.checkout.tests.factories import stocked_product
from rapport.core.models import AuditEntry
from rapport.core.testing import (
    ALLOW,
    MANAGER_ONLY,
    NOT_FOUND,
    REDIRECT_HOME,
    STAFF_ONLY,
    Row,
    check_matrix,
    expect,
    redirect_to,
)
from rapport.customers.models import Customer
from rapport.customers.services import export_customer_data
from rapport.orders.models import OrderStatus
from rapport.workspace import queries
from rapport.workspace.models import Note, Team
from rapport.workspace.services import WorkspaceError, add_note, complete_note

pytestmark = pytest.mark.django_db

XSS = "<script>alert('note')</script>"


@pytest.fixture
def ann(people):
    return reachable(Customer.objects.get(user=people["customer"]))


def test_add_note_on_a_customer_lands_on_the_timeline_and_notifies_mentions(people, ann, make_user):
    olga = make_user("olga@staff.example.com", role=EMPLOYEE, first_name="Olga")
    note = add_note(
        actor=people["employee"],
        body="Call back about the invoice, @olga and @nobody",
        customer=ann,
    )
    assert list(note.mentions.values_list("user", flat=True)) == [olga.pk]
    entry = AuditEntry.objects.get(action="note.added", customer=ann)
    assert "Call back about the invoice" in entry.summary
    assert [n.pk for n in queries.inbox(olga)] == [note.pk]
    assert list(queries.inbox(people["manager"])) == []


def test_an_ambiguous_first_name_mentions_nobody_but_the_email_name_does(people, ann, make_user):
    first = make_user("kim.a@staff.example.com", role=EMPLOYEE, first_name="Kim")
    make_user("kim.b@staff.example.com", role=EMPLOYEE, first_name="Kim")
    vague = add_note(actor=people["employee"], body="@kim please look", customer=ann)
    exact = add_note(actor=people["employee"], body="@kim.a please look", customer=ann)
    assert vague.mentions.count() == 0
    assert list(exact.mentions.values_list("user", flat=True)) == [first.pk]


def test_a_bad_note_writes_nothing(people, ann):
    cases = [
        {"body": "  ", "customer": ann},
        {"body": "x"},  # about nothing, to nobody
        {"body": "x", "to_user": people["customer"]},  # not a colleague
        {"body": "x" * 5001, "customer": ann},
    ]
    for kwargs in cases:
        with pytest.raises(WorkspaceError):
            add_note(actor=people["employee"], **kwargs)
    assert not Note.objects.exists()
    assert not AuditEntry.objects.filter(action="note.added").exists()


def test_only_the_addressee_marks_a_note_done_and_a_mention_is_marked_seen(people, make_user):
    olga = make_user("olga@staff.example.com", role=EMPLOYEE)
    note = add_note(actor=people["employee"], body="stock count? @olga", to_user=people["manager"])
    with pytest.raises(WorkspaceError):
        complete_note(note=note, actor=people["employee"])
    complete_note(note=note, actor=olga)
    assert list(queries.inbox(olga)) == [] and note.mentions.get().seen_at is not None
    assert [n.pk for n in queries.inbox(people["manager"])] == [note.pk]
    complete_note(note=note, actor=people["manager"])
    assert list(queries.inbox(people["manager"])) == []


def test_day_tasks_come_from_real_work(people, ann):
    product = stocked_product(quantity=20)
    emma = people["employee"]
    cod = buy(people["customer"], ann, [(product, 1)], key="t1")
    delivered = deliver(buy(people["customer"], ann, [(product, 1)], key="t2"), emma)
    ticket = open_inquiry(customer=ann, subject="Size?", body="Which size?", actor=ann.user)
    update_ticket(ticket=ticket, actor=emma, assignee=emma)
    add_note(actor=people["manager"], body="please call Ann", to_user=emma)
    later = timezone.now() + timedelta(hours=2)
    add_note(actor=emma, body="callback at four", customer=ann, due_at=later)
    start_customer_chat(customer=ann, requested=emma, body="hello", actor=people["customer"])

    counts = queries.task_counts(emma)
    assert cod.status == OrderStatus.PLACED and delivered.status == OrderStatus.DELIVERED
    assert counts == {
        "pack": 1,
        "ship": 0,
        "returns": 0,
        "tickets": 1,
        "unassigned_tickets": 0,
        "notes": 1,
        "follow_ups": 1,
        "chats": 1,
        "quotes": 0,
    }
    assert queries.task_counts(people["manager"])["tickets"] == 0


def test_managers_see_their_teams_load(people, ann, make_user):
    olga = make_user("olga@staff.example.com", role=EMPLOYEE)
    team = Team.objects.create(name="Service")
    team.members.add(people["manager"], olga)
    ticket = open_inquiry(customer=ann, subject="a", body="b", actor=ann.user)
    update_ticket(ticket=ticket, actor=people["manager"], assignee=olga)
    add_note(actor=people["manager"], body="x", to_user=olga)
    [(got_team, rows)] = queries.team_load(people["manager"])
    loads = {row.user.pk: (row.tickets, row.chats, row.notes) for row in rows}
    assert got_team == team
    assert loads == {people["manager"].pk: (0, 0, 0), olga.pk: (1, 0, 1)}


def test_the_dashboard_lists_the_tasks_with_links_and_escapes_notes(people, ann, clients):
    note = add_note(actor=people["manager"], body=XSS, to_user=people["employee"], customer=ann)
    html = clients["employee"].get(reverse("portal:dashboard")).content.decode()
    fragment = clients["employee"].get(reverse("portal:tasks")).content.decode()
    for page in (html, fragment):
        assert "&lt;script&gt;alert(&#x27;note&#x27;)&lt;/script&gt;" in page
        assert "<script>alert(" not in page
        assert reverse("portal:note_done", args=[note.public_id]) in page
        assert reverse("portal:customer_detail", args=[ann.public_id]) in page


def test_notes_are_in_the_customers_own_data_export(people, ann):
    add_note(actor=people["employee"], body="prefers calls after six", customer=ann)
    data = export_customer_data(customer=ann, actor=people["customer"])
    assert any("prefers calls after six" in e["summary"] for e in data["timeline"])


def test_permission_matrix(people, clients, ann):
    note = add_note(actor=people["manager"], body="to emma", to_user=people["employee"])
    customer_notes = reverse("portal:notes_on", args=["customer", ann.public_id])
    rows = [
        Row("portal:dashboard", reverse("portal:dashboard"), expect(**STAFF_ONLY)),
        Row("portal:tasks", reverse("portal:tasks"), expect(**STAFF_ONLY)),
        Row("portal:notes", reverse("portal:notes"), expect(**STAFF_ONLY)),
        Row(
            "portal:notes post",
            reverse("portal:notes"),
            expect(non_staff=REDIRECT_HOME, staff=400),
            method="post",
            data={"body": ""},
        ),
        Row("portal:notes_on", customer_notes, expect(**STAFF_ONLY)),
        Row(
            "portal:notes_on (unknown kind)",
            reverse("portal:notes_on", args=["wallet", ann.public_id]),
            expect(non_staff=REDIRECT_HOME, staff=NOT_FOUND),
        ),
        Row(
            "portal:notes_on post",
            customer_notes,
            expect(non_staff=REDIRECT_HOME, staff=ALLOW),
            method="post",
            data={"body": "seen in store"},
        ),
        Row(
            "portal:note_done",
            reverse("portal:note_done", args=[note.public_id]),
            expect(non_staff=REDIRECT_HOME, staff=redirect_to(reverse("portal:notes"))),
            method="post",
        ),
    ]
    assert check_matrix(rows, clients, {}) == []
    assert Note.objects.filter(customer=ann, body="seen in store").count() == 2
    note.refresh_from_db()
    assert note.done_at is not None


def test_managers_make_teams_and_the_room_follows_membership(people, clients):
    response = clients["manager"].post(reverse("portal:teams"), {"name": "Returns desk"})
    team = Team.objects.get(name="Returns desk")
    assert response["Location"] == reverse("portal:team_detail", args=[team.public_id])
    duplicate = clients["manager"].post(reverse("portal:teams"), {"name": "returns DESK"})
    assert duplicate.status_code == 400 and Team.objects.count() == 1
    clients["manager"].post(
        reverse("portal:team_detail", args=[team.public_id]),
        {"members": [str(people["employee"].pk), str(people["customer"].pk)]},
    )
    # Only staff can be members: the customer's id is ignored.
    assert list(team.members.all()) == [people["employee"]]
    room_url = reverse("portal:chat_team", args=[team.public_id])
    assert clients["employee"].post(room_url).status_code == 302
    assert clients["manager"].post(room_url).status_code == 404


def test_team_pages_matrix(people, clients):
    team = Team.objects.create(name="Sales")
    rows = [
        Row("portal:teams", reverse("portal:teams"), expect(**MANAGER_ONLY)),
        Row(
            "portal:team_detail",
            reverse("portal:team_detail", args=[team.public_id]),
            expect(**MANAGER_ONLY),
        ),
        Row(
            "portal:team_detail post",
            reverse("portal:team_detail", args=[team.public_id]),
            expect(
                non_managers=REDIRECT_HOME,
                manager=redirect_to(reverse("portal:team_detail", args=[team.public_id])),
            ),
            method="post",
            data={"members": [str(people["employee"].pk)]},
        ),
    ]
    assert check_matrix(rows, clients, {}) == []
    assert list(team.members.all()) == [people["employee"]]
