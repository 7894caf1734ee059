"""Chat services: numbering, closing with a transcript on the timeline, hand-over, rating."""

from __future__ import annotations

import pytest
from django.utils import timezone

from rapport.chat import queries
from rapport.chat.models import Presence, Room, RoomMember
from rapport.chat.services import (
    ChatError,
    close_chat,
    hand_over_chat,
    mark_read,
    open_direct_room,
    post_message,
    rate_chat,
    start_customer_chat,
    take_chat,
)
from rapport.core.models import AuditEntry
from rapport.core.testing import run_concurrently, skip_unless_postgres
from rapport.customers.models import Customer


def online(user, name="c1"):
    Presence.objects.create(user=user, channel_name=name, seen_at=timezone.now())


@pytest.mark.django_db
def test_messages_are_numbered_one_by_one_per_room(people):
    emma, max_ = people["employee"], people["manager"]
    room = open_direct_room(actor=emma, other=max_)
    other = start_customer_chat(
        customer=None, requested=None, body="hi", actor=None, visitor_label="V"
    )
    seqs = [
        post_message(room=room, actor=emma, body=f"m{i}", from_staff=True).seq for i in range(3)
    ]
    assert seqs == [1, 2, 3]
    assert list(other.messages.values_list("seq", flat=True)) == [1]
    assert [m.body for m in queries.messages_after(room, 1)] == ["m1", "m2"]


@pytest.mark.django_db
def test_an_empty_or_too_long_message_writes_nothing(people):
    room = open_direct_room(actor=people["employee"], other=people["manager"])
    for body in ("   ", "x" * 2001):
        with pytest.raises(ChatError):
            post_message(room=room, actor=people["employee"], body=body, from_staff=True)
    room.refresh_from_db()
    assert (room.last_seq, room.messages.count()) == (0, 0)


@pytest.mark.django_db
def test_unread_counts_follow_the_read_cursor(people):
    emma, max_ = people["employee"], people["manager"]
    room = open_direct_room(actor=emma, other=max_)
    for i in range(3):
        post_message(room=room, actor=emma, body=f"m{i}", from_staff=True)
    assert (queries.unread_total(max_), queries.unread_total(emma)) == (3, 0)
    mark_read(room=Room.objects.get(pk=room.pk), actor=max_, seq=2)
    mark_read(room=Room.objects.get(pk=room.pk), actor=max_, seq=1)  # never moves back
    assert queries.unread_total(max_) == 1
    assert RoomMember.objects.get(room=room, user=max_).last_read_seq == 2


@pytest.mark.django_db
def test_closing_puts_the_transcript_on_the_customers_timeline(people):
    ann = Customer.objects.get(user=people["customer"])
    room = start_customer_chat(
        customer=ann, requested=None, body="<b>hello</b>", actor=people["customer"]
    )
    take_chat(room=room, actor=people["employee"])
    post_message(room=room, actor=people["employee"], body="How can I help?", from_staff=True)
    close_chat(room=room, actor=people["employee"])

    entry = AuditEntry.objects.get(action="chat.transcript", customer=ann)
    assert [(m["seq"], m["body"]) for m in entry.data["messages"]] == [
        (1, "<b>hello</b>"),
        (2, "How can I help?"),
    ]
    with pytest.raises(ChatError):
        post_message(room=room, actor=people["customer"], body="still there?", from_staff=False)
    assert Room.objects.get(pk=room.pk).last_seq == 2


@pytest.mark.django_db
def test_a_colleague_cannot_take_a_chat_someone_serves_but_it_can_be_handed_over(people, make_user):
    from rapport.accounts.roles import EMPLOYEE

    olga = make_user("olga@staff.example.com", role=EMPLOYEE)
    ann = Customer.objects.get(user=people["customer"])
    room = start_customer_chat(customer=ann, requested=None, body="hi", actor=people["customer"])
    take_chat(room=room, actor=people["employee"])
    with pytest.raises(ChatError):
        take_chat(room=room, actor=olga)
    hand_over_chat(room=room, actor=people["employee"], to=olga)
    room.refresh_from_db()
    assert room.assignee_id == olga.pk
    last = room.messages.order_by("-seq").first()
    assert last is not None and last.system and "olga" in last.body.lower()
    assert AuditEntry.objects.filter(action="chat.handed_over", customer=ann).count() == 1


@pytest.mark.django_db
def test_rating_is_one_to_five_and_lands_on_the_timeline(people):
    ann = Customer.objects.get(user=people["customer"])
    room = start_customer_chat(customer=ann, requested=None, body="hi", actor=people["customer"])
    with pytest.raises(ChatError):
        rate_chat(room=room, actor=people["customer"], rating=6)
    rate_chat(room=room, actor=people["customer"], rating=4, comment="quick")
    room.refresh_from_db()
    assert (room.rating, room.rating_comment) == (4, "quick")
    assert AuditEntry.objects.get(action="chat.rated", customer=ann).data["rating"] == 4


@pytest.mark.django_db
def test_recent_helpers_come_first_and_offline_ones_are_marked(people, make_user):
    from rapport.accounts.roles import EMPLOYEE

    olga = make_user("olga@staff.example.com", role=EMPLOYEE)
    ann = Customer.objects.get(user=people["customer"])
    old = start_customer_chat(customer=ann, requested=None, body="hi", actor=people["customer"])
    take_chat(room=old, actor=people["manager"])
    online(olga)

    helpers = queries.helpers_for(ann)
    assert [(h.user, h.online, h.why) for h in helpers] == [
        (people["manager"], False, "recent"),
        (olga, True, ""),
    ]
    assert [h.user for h in queries.helpers_for(None)] == [olga]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_get_distinct_numbers_without_gaps(people):
    skip_unless_postgres()
    room = open_direct_room(actor=people["employee"], other=people["manager"])

    def work(i):
        return post_message(room=room, actor=people["employee"], body=f"m{i}", from_staff=True).seq

    results = run_concurrently(8, work)
    assert sorted(results) == list(range(1, 9))
    assert Room.objects.get(pk=room.pk).last_seq == 8


@pytest.mark.django_db
def test_a_vip_account_manager_is_offered_first(people, make_user):
    from rapport.accounts.roles import EMPLOYEE
    from rapport.customervalue.models import CustomerValue

    olga = make_user("olga@staff.example.com", role=EMPLOYEE)
    ann = Customer.objects.get(user=people["customer"])
    CustomerValue.objects.create(customer=ann, account_manager=people["employee"])
    online(olga)

    helpers = queries.helpers_for(ann)

    assert [(h.user, h.why) for h in helpers] == [
        (people["employee"], "account_manager"),
        (olga, ""),
    ]


@pytest.mark.django_db
def test_posting_updates_the_room_as_the_conversation_moves(people):
    """The numbered insert also moves the room: a staff answer takes a waiting conversation,
    the customer's own message counts as read by them, a closed conversation takes nothing."""
    ann, emma = people["customer"], people["employee"]
    customer = Customer.objects.get(user=ann)
    room = start_customer_chat(customer=customer, requested=None, body="hello", actor=ann)
    stored = Room.objects.get(pk=room.pk)
    assert (stored.status, stored.assignee_id, stored.customer_read_seq) == ("waiting", None, 1)
    before = stored.updated_at

    answer = post_message(room=room, actor=emma, body="Hi Ann", from_staff=True)
    stored = Room.objects.get(pk=room.pk)
    assert (stored.status, stored.assignee_id, stored.last_seq) == ("open", emma.pk, 2)
    assert stored.updated_at > before and stored.last_message_at == answer.created_at
    assert (answer.room.status, answer.room.assignee_id, answer.seq) == ("open", emma.pk, 2)
    assert RoomMember.objects.get(room=room, user=emma).last_read_seq == 2
    assert stored.customer_read_seq == 1  # staff messages stay unread for the customer

    mine = post_message(room=room, actor=ann, body="thanks", from_staff=False)
    stored = Room.objects.get(pk=room.pk)
    assert (stored.customer_read_seq, stored.assignee_id, mine.author_id) == (3, emma.pk, ann.pk)
    assert list(room.messages.values_list("seq", "body", "author", "from_staff")) == [
        (1, "hello", ann.pk, False),
        (2, "Hi Ann", emma.pk, True),
        (3, "thanks", ann.pk, False),
    ]

    close_chat(room=room, actor=emma)
    with pytest.raises(ChatError):
        post_message(room=room, actor=ann, body="still there?", from_staff=False)
    assert Room.objects.get(pk=room.pk).last_seq == 3
