"""The set-based path of a push (notes, draft saves, messages): the same results, rows and
audit entries as one operation at a time, exact refusals and conflicts in the middle of a
batch, and a number of queries that does not grow with the batch."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.chat.models import Message, Room, RoomKind, RoomMember, RoomStatus
from rapport.checkout.tests.factories import stocked_product
from rapport.core.models import AuditEntry
from rapport.drafts.models import DraftOrder
from rapport.quotes.tests.factories import customer_of
from rapport.sync.models import AppliedOperation
from rapport.sync.tests.helpers import client_for, draft_save, op, push
from rapport.workspace.models import Note

pytestmark = pytest.mark.django_db


def note(customer, body="Call back", note_id=None):
    return op(
        "note.create",
        note_id=str(note_id or uuid.uuid4()),
        customer_id=str(customer.public_id),
        body=body,
    )


def message(room, body):
    return op("message.post", conversation_id=str(room.public_id), body=body)


def waiting_room(customer):
    return Room.objects.create(
        kind=RoomKind.CUSTOMER, status=RoomStatus.WAITING, customer=customer, title="Ann"
    )


def test_a_mixed_batch_is_applied_in_order_as_one_by_one(people):
    ann = customer_of(people["customer"])
    chair, lamp, desk = stocked_product(), stocked_product(), stocked_product()
    room = waiting_room(ann)
    emma = client_for(people["employee"])
    draft_id = uuid.uuid4()

    results = push(
        emma,
        note(ann, "first"),
        draft_save(draft_id, ann, [(chair, 1), (lamp, 2)]),
        message(room, "Hello"),
        draft_save(draft_id, ann, [(lamp, 3)], note="fewer", base_version=1),
        message(room, "Still there?"),
        draft_save(draft_id, ann, [(desk, 4), (chair, 1)], base_version=2),
        note(ann, "last"),
    )

    assert [r["status"] for r in results] == ["applied"] * 7
    assert [r["version"] for r in results] == [None, 1, None, 2, None, 3, None]
    assert {results[i]["object_id"] for i in (1, 3, 5)} == {str(draft_id)}
    assert results[2]["object_id"] == str(room.public_id)
    draft = DraftOrder.objects.get(public_id=draft_id)
    assert (draft.version, draft.note) == (3, "")
    assert [(x.product_id, x.quantity, x.position) for x in draft.lines.all()] == [
        (desk.pk, 4, 0),
        (chair.pk, 1, 1),
    ]
    assert [(m.seq, m.body) for m in Message.objects.filter(room=room)] == [
        (1, "Hello"),
        (2, "Still there?"),
    ]
    room.refresh_from_db()
    assert (room.last_seq, room.status, room.assignee_id) == (2, "open", people["employee"].pk)
    assert RoomMember.objects.get(room=room, user=people["employee"]).last_read_seq == 2
    timeline = AuditEntry.objects.filter(
        customer=ann, action__in=["note.added", "draft_order.created", "draft_order.saved"]
    ).order_by("created_at", "id")
    assert [(e.action, e.data.get("version")) for e in timeline] == [
        ("note.added", None),
        ("draft_order.created", 1),
        ("draft_order.saved", 2),
        ("draft_order.saved", 3),
        ("note.added", None),
    ]
    assert AppliedOperation.objects.count() == 7


def test_the_last_version_of_a_draft_edited_in_the_same_batch_is_what_is_stored(people):
    ann = customer_of(people["customer"])
    chair = stocked_product()
    emma = client_for(people["employee"])
    draft_id = uuid.uuid4()

    push(
        emma,
        draft_save(draft_id, ann, [(chair, 1)]),
        draft_save(draft_id, ann, [(chair, 7)], note="seven", base_version=1),
    )

    draft = DraftOrder.objects.get(public_id=draft_id)
    assert (draft.version, draft.note) == (2, "seven")
    assert [(x.product_id, x.quantity) for x in draft.lines.all()] == [(chair.pk, 7)]


def test_a_conflict_inside_a_batch_carries_the_draft_as_the_earlier_ops_left_it(people):
    ann = customer_of(people["customer"])
    chair, lamp = stocked_product(), stocked_product()
    emma = client_for(people["employee"])
    draft_id = uuid.uuid4()

    results = push(
        emma,
        draft_save(draft_id, ann, [(chair, 1)]),
        draft_save(draft_id, ann, [(chair, 2)], base_version=1),
        draft_save(draft_id, ann, [(lamp, 9)], base_version=1),  # stale: another device's copy
        draft_save(draft_id, ann, [(lamp, 3)], base_version=2),
    )

    assert [r["status"] for r in results] == ["applied", "applied", "conflict", "applied"]
    assert results[2]["current"]["version"] == 2
    assert [x["quantity"] for x in results[2]["current"]["lines"]] == [2]
    assert results[3]["version"] == 3
    draft = DraftOrder.objects.get(public_id=draft_id)
    assert draft.version == 3
    assert [(x.product_id, x.quantity) for x in draft.lines.all()] == [(lamp.pk, 3)]
    assert AppliedOperation.objects.filter(status="conflict").count() == 1


def test_refusals_inside_a_batch_keep_their_own_reasons_and_write_nothing(people):
    ann = customer_of(people["customer"])
    chair = stocked_product()
    closed = Room.objects.create(
        kind=RoomKind.CUSTOMER, status=RoomStatus.CLOSED, customer=ann, title="Ann"
    )
    emma = client_for(people["employee"])
    taken = Note.objects.create(author=people["employee"], customer=ann, body="old").public_id
    kept = [uuid.uuid4(), uuid.uuid4()]

    results = push(
        emma,
        note(ann, "one", note_id=kept[0]),
        note(ann, "again", note_id=taken),
        draft_save(uuid.uuid4(), ann, [(chair, 1), (chair, 2)]),
        draft_save(uuid.uuid4(), ann, [(chair, 1)], base_version=1),
        message(closed, "Hello?"),
        op("note.create", note_id=str(uuid.uuid4()), customer_id=str(uuid.uuid4()), body="x"),
        note(ann, "two", note_id=kept[1]),
    )

    assert [r["status"] for r in results] == ["applied"] + ["rejected"] * 5 + ["applied"]
    assert [r["detail"] for r in results[1:6]] == [
        "A note with this id exists already.",
        f"“{chair.name}” is listed twice: use one line.",
        "There is nothing with this id, or it is not yours.",
        "This conversation is closed.",
        "There is nothing with this id, or it is not yours.",
    ]
    assert set(Note.objects.values_list("public_id", flat=True)) == {taken, *kept}
    assert not DraftOrder.objects.exists() and not Message.objects.exists()
    assert AuditEntry.objects.filter(action="note.added").count() == 2
    assert AppliedOperation.objects.count() == 7


def test_an_op_id_twice_in_one_batch_is_applied_once_and_replayed(people):
    ann = customer_of(people["customer"])
    emma = client_for(people["employee"])
    twice = note(ann, "once")

    results = push(emma, twice, note(ann, "other"), twice)

    assert [(r["status"], r["replayed"]) for r in results] == [
        ("applied", False),
        ("applied", False),
        ("applied", True),
    ]
    assert Note.objects.filter(body="once").count() == 1
    assert AppliedOperation.objects.count() == 2


def test_the_queries_of_a_batch_hardly_grow_with_its_operations(people):
    ann = customer_of(people["customer"])
    chair, lamp = stocked_product(), stocked_product()
    room = waiting_room(ann)
    emma = client_for(people["employee"])
    push(emma, message(room, "Hello"))  # Emma joins the conversation

    def batch(n):
        drafts = [uuid.uuid4() for _ in range(n)]
        return [
            *(note(ann, f"note {i}") for i in range(n)),
            *(draft_save(d, ann, [(chair, 1), (lamp, 2)]) for d in drafts),
            *(draft_save(d, ann, [(lamp, 5)], base_version=1) for d in drafts),
            *(message(room, f"message {i}") for i in range(n)),
        ]

    counts = []
    for n in (5, 100):
        ops = batch(n)
        with CaptureQueriesContext(connection) as queries:
            results = push(emma, *ops)
        assert Counter(r["status"] for r in results) == {"applied": 4 * n}
        counts.append(len(queries))

    # 20 operations and 400: a few look-ups per 100 more, not a dozen queries per operation.
    assert counts[1] < counts[0] + 20, counts
    assert Note.objects.count() == 105 and DraftOrder.objects.filter(version=2).count() == 105
    assert Message.objects.filter(room=room).count() == 1 + 105
