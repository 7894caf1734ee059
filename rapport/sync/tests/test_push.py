"""Pushing operations: applied once, replayed after, conflicts and refusals, scopes."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from rapport.checkout.tests.factories import stock_of, stocked_product
from rapport.core.models import AuditEntry
from rapport.drafts.models import DraftOrder, DraftStatus
from rapport.orders.models import Order
from rapport.quotes.models import Quote
from rapport.quotes.tests.factories import customer_of, in_days, line, sent_quote
from rapport.sync.models import AppliedOperation
from rapport.sync.tests.helpers import client_for, draft_save, op, push
from rapport.workspace.models import Note

pytestmark = pytest.mark.django_db


def test_a_note_pushed_twice_is_written_once_and_replayed(people):
    ann = customer_of(people["customer"])
    emma = client_for(people["employee"])
    note_id = uuid.uuid4()
    note = op("note.create", note_id=str(note_id), customer_id=str(ann.public_id), body="Call")

    first = push(emma, note)
    again = push(emma, note, note)

    assert first[0]["status"] == "applied" and first[0]["replayed"] is False
    assert first[0]["object_id"] == str(note_id)
    assert [r["replayed"] for r in again] == [True, True]
    assert {r["status"] for r in again} == {"applied"}
    assert Note.objects.filter(public_id=note_id).count() == 1
    assert AuditEntry.objects.filter(action="note.added", customer=ann).count() == 1
    assert AppliedOperation.objects.count() == 1


def test_an_op_id_used_by_someone_else_is_rejected_and_changes_nothing(people):
    ann = customer_of(people["customer"])
    note = op("note.create", note_id=str(uuid.uuid4()), customer_id=str(ann.public_id), body="x")
    push(client_for(people["employee"]), note)

    result = push(client_for(people["manager"]), note)[0]

    assert result["status"] == "rejected" and "someone else" in result["detail"]
    assert Note.objects.count() == 1


def test_a_stale_draft_version_is_a_conflict_with_the_current_draft(people):
    ann = customer_of(people["customer"])
    chair, lamp = stocked_product(), stocked_product()
    emma = client_for(people["employee"])
    draft_id = uuid.uuid4()
    push(emma, draft_save(draft_id, ann, [(chair, 1)]))
    push(emma, draft_save(draft_id, ann, [(chair, 2)], base_version=1))

    result = push(emma, draft_save(draft_id, ann, [(lamp, 5)], base_version=1))[0]

    assert result["status"] == "conflict"
    assert result["current"]["version"] == 2
    assert result["current"]["lines"][0]["quantity"] == 2
    draft = DraftOrder.objects.get(public_id=draft_id)
    assert draft.version == 2 and [x.product_id for x in draft.lines.all()] == [chair.pk]


def test_a_customer_drafts_for_themself_and_places_it_once(people):
    ann = customer_of(people["customer"])
    chair = stocked_product(quantity=5, price="20.00")
    mine = client_for(people["customer"])
    draft_id = uuid.uuid4()
    push(mine, draft_save(draft_id, ann, [(chair, 2)]))
    place = op("draft_order.place", draft_id=str(draft_id), base_version=1)

    placed = push(mine, place)[0]
    again = push(mine, place)[0]

    order = Order.objects.get()
    assert placed["status"] == "applied" and placed["object_id"] == str(order.public_id)
    assert again["replayed"] is True and again["object_id"] == str(order.public_id)
    assert order.source == "draft" and order.payment_method == "cod"
    assert stock_of(chair) == 3
    assert DraftOrder.objects.get().status == DraftStatus.PLACED
    assert AuditEntry.objects.filter(action="draft_order.placed", customer=ann).count() == 1


def test_a_customer_cannot_draft_for_another_customer(people):
    bob = customer_of(people["other_customer"])
    result = push(
        client_for(people["customer"]), draft_save(uuid.uuid4(), bob, [(stocked_product(), 1)])
    )[0]

    assert result["status"] == "rejected"
    assert not DraftOrder.objects.exists()


def test_a_counter_on_a_stale_quote_version_is_a_conflict(people):
    ann = customer_of(people["customer"])
    chair = stocked_product(quantity=20, price="100.00")
    quote = sent_quote(people["employee"], ann, line(chair, 5, "80.00"))
    customer = client_for(people["customer"])
    lines = [{"product_id": str(chair.public_id), "quantity": 5, "unit_price": "70.00"}]
    push(customer, op("quote.counter", quote_id=str(quote.public_id), answering=1, lines=lines))

    stale = push(
        client_for(people["employee"]),
        op("quote.counter", quote_id=str(quote.public_id), answering=1, lines=lines),
    )[0]

    assert stale["status"] == "conflict"
    assert stale["current"]["latest_version"] == 2
    assert [v["number"] for v in stale["current"]["versions"]] == [1, 2]
    assert Quote.objects.get().latest_number == 2


def test_staff_create_a_quote_offline_and_the_customer_accepts_it(people):
    ann = customer_of(people["customer"])
    chair = stocked_product(quantity=20, price="100.00")
    quote_id = uuid.uuid4()
    created = push(
        client_for(people["employee"]),
        op(
            "quote.create",
            quote_id=str(quote_id),
            customer_id=str(ann.public_id),
            lines=[{"product_id": str(chair.public_id), "quantity": 2, "unit_price": "90.00"}],
            valid_until=str(in_days(5)),
            note="for you",
        ),
    )[0]
    accepted = push(
        client_for(people["customer"]), op("quote.accept", quote_id=str(quote_id), answering=1)
    )[0]

    assert created["status"] == "applied" and created["object_id"] == str(quote_id)
    order = Order.objects.get()
    assert accepted["status"] == "applied" and accepted["object_id"] == str(order.public_id)
    assert order.subtotal == Decimal("180.00") and order.source == "quote"


def test_an_op_needs_its_own_scope_besides_sync(people):
    ann = customer_of(people["customer"])
    only_sync = client_for(people["employee"], scopes=["sync"])

    result = push(
        only_sync,
        op("note.create", note_id=str(uuid.uuid4()), customer_id=str(ann.public_id), body="x"),
    )[0]

    assert result["status"] == "rejected" and "notes:write" in result["detail"]
    assert not Note.objects.exists()


def test_a_bad_payload_or_kind_is_rejected_without_failing_the_batch(people):
    emma = client_for(people["employee"])

    results = push(emma, op("note.create", body=""), op("nonsense.kind"))

    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert "note_id" in results[0]["detail"] and "nonsense" in results[1]["detail"]


def test_a_refused_op_inside_a_group_leaves_its_neighbours_applied(people):
    ann = customer_of(people["customer"])
    emma = client_for(people["employee"])
    first, last = uuid.uuid4(), uuid.uuid4()

    results = push(
        emma,
        op("note.create", note_id=str(first), customer_id=str(ann.public_id), body="one"),
        op("note.create", note_id=str(uuid.uuid4()), customer_id=str(uuid.uuid4()), body="x"),
        op("note.create", note_id=str(last), customer_id=str(ann.public_id), body="three"),
    )

    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert set(Note.objects.values_list("public_id", flat=True)) == {first, last}
    assert AppliedOperation.objects.count() == 3
