"""Exactly once under concurrency (PostgreSQL): the same operation pushed by several syncs at
once, and several operations placing the same draft or accepting the same quote."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest

from rapport.accounts.services.api_tokens import scopes_allowed_for
from rapport.checkout.tests.factories import stock_of, stocked_product
from rapport.core.testing import run_concurrently, skip_unless_postgres
from rapport.drafts.models import DraftOrder, DraftStatus
from rapport.drafts.services import DraftLineInput, save_draft
from rapport.inventory.models import StockMove
from rapport.orders.models import Order
from rapport.payments.models import Payment
from rapport.quotes.models import Quote, QuoteStatus
from rapport.quotes.tests.factories import customer_of, line, sent_quote
from rapport.sync.models import AppliedOperation
from rapport.sync.services import Operation, push
from rapport.workspace.models import Note

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    skip_unless_postgres()


def push_one(user, operation):
    scopes = frozenset(scopes_allowed_for(user))
    return push(actor=user, scopes=scopes, operations=[operation], describe=lambda k, i: None)[0]


def test_the_same_place_pushed_by_four_syncs_at_once_makes_one_order(people):
    ann = customer_of(people["customer"])
    chair = stocked_product(quantity=10, price="30.00")
    draft = save_draft(actor=people["employee"], customer=ann, lines=[DraftLineInput(chair, 2)])
    place = Operation(
        uuid.uuid4(), "draft_order.place", {"draft_id": str(draft.public_id), "base_version": 1}
    )

    results = run_concurrently(4, lambda i: push_one(people["employee"], place))

    order = Order.objects.get()
    assert {r.status for r in results} == {"applied"}, results
    assert {r.object_id for r in results} == {str(order.public_id)}
    assert Counter(r.replayed for r in results)[False] == 1
    assert Payment.objects.count() == 1 and StockMove.objects.count() == 1
    assert stock_of(chair) == 8
    assert AppliedOperation.objects.count() == 1
    assert DraftOrder.objects.get().status == DraftStatus.PLACED


def test_the_same_note_pushed_by_three_syncs_at_once_is_written_once(people):
    ann = customer_of(people["customer"])
    note_id = uuid.uuid4()
    create = Operation(
        uuid.uuid4(),
        "note.create",
        {"note_id": str(note_id), "customer_id": str(ann.public_id), "body": "Call back"},
    )

    results = run_concurrently(3, lambda i: push_one(people["employee"], create))

    assert {r.status for r in results} == {"applied"}, results
    assert Counter(r.replayed for r in results) == {False: 1, True: 2}
    assert Note.objects.filter(public_id=note_id).count() == 1


def test_two_devices_placing_one_draft_at_once_make_one_order(people):
    ann = customer_of(people["customer"])
    chair = stocked_product(quantity=10, price="30.00")
    draft = save_draft(actor=people["customer"], customer=ann, lines=[DraftLineInput(chair, 3)])
    actors = [people["customer"], people["employee"]]

    results = run_concurrently(
        2,
        lambda i: push_one(
            actors[i],
            Operation(
                uuid.uuid4(),
                "draft_order.place",
                {"draft_id": str(draft.public_id), "base_version": 1},
            ),
        ),
    )

    order = Order.objects.get()
    assert {r.object_id for r in results} == {str(order.public_id)}, results
    assert stock_of(chair) == 7 and Payment.objects.count() == 1


def test_concurrent_accepts_through_sync_make_exactly_one_order(people):
    ann = customer_of(people["customer"])
    chair = stocked_product(quantity=20, price="100.00")
    quote = sent_quote(people["employee"], ann, line(chair, 5, "80.00"))

    results = run_concurrently(
        4,
        lambda i: push_one(
            people["customer"],
            Operation(
                uuid.uuid4(), "quote.accept", {"quote_id": str(quote.public_id), "answering": 1}
            ),
        ),
    )

    order = Order.objects.get()
    assert {r.status for r in results} == {"applied"}, results
    assert {r.object_id for r in results} == {str(order.public_id)}
    assert stock_of(chair) == 15 and Payment.objects.count() == 1
    assert Quote.objects.get().status == QuoteStatus.ACCEPTED


def test_the_same_mixed_batch_pushed_by_two_devices_at_once_is_applied_once(people):
    from rapport.chat.models import Message, Room, RoomKind, RoomStatus

    ann = customer_of(people["customer"])
    chair = stocked_product(quantity=10)
    room = Room.objects.create(
        kind=RoomKind.CUSTOMER, status=RoomStatus.OPEN, customer=ann, title="Ann"
    )
    drafts = [uuid.uuid4() for _ in range(20)]
    lines = [{"product_id": str(chair.public_id), "quantity": 1}]
    batch = [
        *(
            Operation(
                uuid.uuid4(),
                "note.create",
                {"note_id": str(uuid.uuid4()), "customer_id": str(ann.public_id), "body": "n"},
            )
            for _ in range(20)
        ),
        *(
            Operation(
                uuid.uuid4(),
                "draft_order.save",
                {"draft_id": str(d), "customer_id": str(ann.public_id), "lines": lines},
            )
            for d in drafts
        ),
        *(
            Operation(
                uuid.uuid4(), "message.post", {"conversation_id": str(room.public_id), "body": "m"}
            )
            for _ in range(20)
        ),
    ]
    employee = people["employee"]
    scopes = frozenset(scopes_allowed_for(employee))

    pushes = run_concurrently(
        2,
        lambda i: push(actor=employee, scopes=scopes, operations=batch, describe=lambda k, i: None),
    )

    assert all(isinstance(p, list) for p in pushes), pushes
    assert [{r.status for r in p} for p in pushes] == [{"applied"}, {"applied"}], pushes
    for results in zip(*pushes, strict=True):
        assert sorted(r.replayed for r in results) == [False, True]
        assert len({r.object_id for r in results}) == 1
    assert Note.objects.count() == 20
    assert DraftOrder.objects.count() == 20
    assert [m.seq for m in Message.objects.filter(room=room)] == list(range(1, 21))
    assert AppliedOperation.objects.count() == 60
