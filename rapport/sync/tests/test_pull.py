"""Pulling changes: only what the caller may see, and after a cursor only what changed."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.api.tests.conftest import conversation_for, order_for
from rapport.catalog.models import Product
from rapport.chat.models import Message
from rapport.chat.services import post_message
from rapport.checkout.tests.factories import stocked_product
from rapport.drafts.services import DraftLineInput, save_draft
from rapport.pricing.models import PriceList, PriceListCustomer, PriceListItem
from rapport.quotes.tests.factories import customer_of, line, sent_quote
from rapport.sync.tests.helpers import client_for, pull, pull_all

pytestmark = pytest.mark.django_db


def ids(changes, kind):
    return {c["id"] for c in changes if c["type"] == kind}


def test_a_customer_pulls_only_their_own_objects(people):
    ann, bob = customer_of(people["customer"]), customer_of(people["other_customer"])
    product = stocked_product()
    mine, theirs = order_for(people["customer"], "k1"), order_for(people["other_customer"], "k2")
    q_mine = sent_quote(people["employee"], ann, line(product, 1, "5.00"))
    q_theirs = sent_quote(people["employee"], bob, line(product, 1, "5.00"))
    d_theirs = save_draft(
        actor=people["employee"], customer=bob, lines=[DraftLineInput(product, 1)]
    )
    room = conversation_for(people["customer"])
    conversation_for(people["other_customer"])

    changes, _cursor = pull_all(client_for(people["customer"]))

    assert str(product.public_id) in ids(changes, "product")
    assert ids(changes, "customer") == {str(ann.public_id)}
    assert str(mine.public_id) in ids(changes, "order")
    assert str(theirs.public_id) not in ids(changes, "order")
    assert ids(changes, "quote") == {str(q_mine.public_id)}
    assert str(q_theirs.public_id) not in ids(changes, "quote")
    assert str(d_theirs.public_id) not in ids(changes, "draft_order")
    assert ids(changes, "conversation") == {str(room.public_id)}
    assert ids(changes, "note") == set()
    assert {c["data"]["conversation"] for c in changes if c["type"] == "message"} == {
        str(room.public_id)
    }


def test_after_the_cursor_only_changes_come(people):
    ann = customer_of(people["customer"])
    stocked_product()
    emma = client_for(people["employee"])
    _all, cursor = pull_all(emma)

    assert pull(emma, cursor)["changes"] == []

    changed = stocked_product(name="New lamp")
    draft = save_draft(
        actor=people["employee"],
        customer=ann,
        lines=[DraftLineInput(changed, 3)],
        draft_id=uuid.uuid4(),
    )
    page = pull(emma, cursor)

    assert [(c["type"], c["id"]) for c in page["changes"]] == [
        ("product", str(changed.public_id)),
        ("draft_order", str(draft.public_id)),
    ]
    assert page["changes"][1]["data"]["lines"][0]["quantity"] == 3
    assert pull(emma, page["cursor"])["changes"] == []


def test_a_product_taken_off_sale_comes_as_deleted(people):
    lamp = stocked_product()
    emma = client_for(people["employee"])
    _all, cursor = pull_all(emma)
    lamp.is_active = False
    lamp.save()

    changes = pull(emma, cursor)["changes"]

    assert changes == [
        {"type": "product", "id": str(lamp.public_id), "deleted": True, "data": None}
    ]


def test_a_customer_pulls_their_own_prices(people):
    ann = customer_of(people["customer"])
    lamp = stocked_product(price="50.00")
    prices = PriceList.objects.create(name="Partners")
    PriceListItem.objects.create(price_list=prices, product=lamp, fixed_price="40.00")
    PriceListCustomer.objects.create(price_list=prices, customer=ann)

    customer_view, _ = pull_all(client_for(people["customer"]))
    staff_view, _ = pull_all(client_for(people["employee"]))

    assert next(c for c in customer_view if c["type"] == "product")["data"]["price"] == "40.00"
    assert next(c for c in staff_view if c["type"] == "product")["data"]["price"] == "50.00"


def test_pages_follow_each_other_without_gaps(people):
    made = {str(stocked_product().public_id) for _ in range(7)}
    emma = client_for(people["employee"])
    seen, cursor, pages = [], None, 0
    while True:
        page = pull(emma, cursor, limit=3)
        seen += [c["id"] for c in page["changes"] if c["type"] == "product"]
        cursor, pages = page["cursor"], pages + 1
        if not page["more"]:
            break

    assert len(seen) == len(set(seen)) and set(seen) >= made and pages >= 3


def test_a_forged_cursor_is_a_422(people):
    response = client_for(people["employee"]).get("/api/v1/sync/pull?cursor=bm9wZQ")

    assert response.status_code == 422
    assert response["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "marks",
    [
        {"product": [None, 10**30]},
        {"product": ["2026-01-01T00:00:00", 1]},
        {"nothing": [None, 1]},
        ["not", "a", "dict"],
    ],
    ids=["huge-id", "naive-time", "unknown-type", "list"],
)
def test_a_cursor_out_of_range_is_a_422_not_a_500(people, marks):
    raw = json.dumps({"v": 1, "w": marks}).encode()
    forged = base64.urlsafe_b64encode(raw).decode().rstrip("=")

    response = client_for(people["employee"]).get("/api/v1/sync/pull", {"cursor": forged})

    assert response.status_code == 422


def test_changes_younger_than_the_settle_margin_wait_for_the_next_pull(people, settings):
    """A row stamped before its transaction commits must not be skipped by a watermark that
    already passed its stamp: a pull hands out only what is older than the margin."""
    settings.RAPPORT_SYNC_SETTLE_SECONDS = 60
    old, fresh = stocked_product(name="Old lamp"), stocked_product(name="Fresh lamp")
    Product.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(minutes=2))
    room = conversation_for(people["customer"])
    Message.objects.filter(room=room).update(created_at=timezone.now() - timedelta(minutes=2))
    post_message(room=room, actor=people["customer"], body="Just now", from_staff=False)
    ann = client_for(people["customer"])

    changes, cursor = pull_all(ann)

    assert str(old.public_id) in ids(changes, "product")
    assert str(fresh.public_id) not in ids(changes, "product")
    assert [c["data"]["body"] for c in changes if c["type"] == "message"] == ["Hello"]

    settings.RAPPORT_SYNC_SETTLE_SECONDS = 0  # the margin has passed
    later, _cursor = pull_all(ann, cursor)

    assert ids(later, "product") == {str(fresh.public_id)}
    assert [c["data"]["body"] for c in later if c["type"] == "message"] == ["Just now"]


def test_a_message_written_after_the_margin_holds_back_the_ids_after_it(people, settings):
    """Messages go by id: one too young stops the page there, even if a later id is older."""
    settings.RAPPORT_SYNC_SETTLE_SECONDS = 60
    room = conversation_for(people["customer"])
    young = post_message(room=room, actor=people["customer"], body="Young", from_staff=False)
    post_message(room=room, actor=people["customer"], body="Stamped early", from_staff=False)
    Message.objects.filter(room=room).exclude(pk=young.pk).update(
        created_at=timezone.now() - timedelta(minutes=2)
    )

    changes, _cursor = pull_all(client_for(people["customer"]))

    assert [c["data"]["body"] for c in changes if c["type"] == "message"] == ["Hello"]
