"""The client's local store and outbox, without a server: order, ids, local views, conflicts."""

import os
import stat

import pytest
from offlineoffice.store import LocalStore
from offlineoffice.workbench import InvalidInput, Line, Workbench

PRODUCT = {
    "id": "11111111-1111-4111-8111-111111111111",
    "sku": "LAMP-1",
    "name": "Lamp",
    "price": "25.00",
}
CUSTOMER = {"id": "22222222-2222-4222-8222-222222222222", "name": "Ann Buyer"}


@pytest.fixture
def store(tmp_path):
    store = LocalStore(tmp_path / "store.sqlite3")
    store.apply_changes(
        [
            {"type": "product", "id": PRODUCT["id"], "deleted": False, "data": PRODUCT},
            {"type": "customer", "id": CUSTOMER["id"], "deleted": False, "data": CUSTOMER},
        ],
        "c1",
    )
    yield store
    store.close()


@pytest.fixture
def bench(store):
    return Workbench(store)


def test_store_file_is_private(store):
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600


def test_operations_wait_in_order_with_their_own_ids(store, bench):
    draft = bench.save_draft(customer_id=CUSTOMER["id"], lines=[Line(PRODUCT["id"], 2)])
    note = bench.add_note(body="Call back on Monday", customer_id=CUSTOMER["id"])
    message = bench.post_message("33333333-3333-4333-8333-333333333333", "Hello")

    ops = store.pending()
    assert [op.kind for op in ops] == ["draft_order.save", "note.create", "message.post"]
    assert len({op.id for op in ops}) == 3
    assert ops[0].payload == {
        "draft_id": draft,
        "customer_id": CUSTOMER["id"],
        "lines": [{"product_id": PRODUCT["id"], "quantity": 2}],
        "note": "",
        "base_version": None,
    }
    assert ops[1].payload["note_id"] == note
    assert ops[2].id == message  # a message's placeholder is keyed by its operation
    assert store.outbox_count() == 3
    assert store.get("draft_order", draft)["lines"][0]["sku"] == "LAMP-1"
    assert store.cursor == "c1"


def test_an_unsent_save_is_changed_in_place_but_a_sent_one_is_not(store, bench):
    draft = bench.save_draft(customer_id=CUSTOMER["id"], lines=[Line(PRODUCT["id"], 2)])
    bench.save_draft(draft_id=draft, customer_id=CUSTOMER["id"], lines=[Line(PRODUCT["id"], 3)])
    [op] = store.pending()
    assert op.payload["lines"][0]["quantity"] == 3

    store.mark_attempt([op], "offline")  # it may have reached the server: never change it
    bench.save_draft(draft_id=draft, customer_id=CUSTOMER["id"], lines=[Line(PRODUCT["id"], 4)])
    first, second = store.pending()
    assert first.id == op.id and first.payload["lines"][0]["quantity"] == 3
    assert second.payload["base_version"] == 1  # counts on the create becoming version 1


def test_bad_input_queues_nothing(store, bench):
    with pytest.raises(InvalidInput):
        bench.save_draft(customer_id=CUSTOMER["id"], lines=[Line(PRODUCT["id"], 0)])
    with pytest.raises(InvalidInput):
        bench.create_quote(
            customer_id=CUSTOMER["id"],
            lines=[Line(PRODUCT["id"], 1, "abc")],
            valid_until="2027-01-31",
        )
    with pytest.raises(InvalidInput):
        bench.add_note(body="   ")
    assert store.outbox_count() == 0
    assert store.all("draft_order") == [] and store.all("quote") == []


def test_pull_never_overwrites_a_pending_local_change(store, bench):
    draft = bench.save_draft(customer_id=CUSTOMER["id"], lines=[Line(PRODUCT["id"], 2)])
    server = {"id": draft, "customer": CUSTOMER["id"], "version": 1, "lines": [], "status": "draft"}
    store.apply_changes(
        [{"type": "draft_order", "id": draft, "deleted": False, "data": server}], "c2"
    )
    assert store.get("draft_order", draft)["lines"][0]["quantity"] == 2  # still mine
    assert store.server_version("draft_order", draft) == server

    [op] = store.pending()
    store.settle(op, {"id": op.id, "status": "applied", "version": 1})
    store.apply_changes(
        [{"type": "draft_order", "id": draft, "deleted": False, "data": server}], "c3"
    )
    assert store.get("draft_order", draft) == server  # settled: the server's version shows


def test_applied_message_placeholder_goes_and_deleted_objects_leave(store, bench):
    op_id = bench.post_message("33333333-3333-4333-8333-333333333333", "Hello")
    [op] = store.pending()
    store.settle(op, {"id": op_id, "status": "applied", "replayed": False})
    assert store.all("message") == []
    store.apply_changes(
        [{"type": "product", "id": PRODUCT["id"], "deleted": True, "data": None}], "c4"
    )
    assert store.get("product", PRODUCT["id"]) is None


def test_a_conflict_keeps_both_versions_until_the_user_chooses(store, bench):
    store.apply_changes(
        [
            {
                "type": "quote",
                "id": "q1",
                "deleted": False,
                "data": {
                    "id": "q1",
                    "latest_version": 1,
                    "status": "sent",
                    "versions": [{"number": 1, "lines": [], "note": ""}],
                },
            }
        ],
        "c5",
    )
    bench.counter_quote("q1", lines=[Line(PRODUCT["id"], 5, "20.00")], note="five at 20")
    [op] = store.pending()
    assert op.payload["answering"] == 1
    theirs = {
        "id": "q1",
        "latest_version": 2,
        "status": "countered",
        "versions": [{"number": 1}, {"number": 2, "note": "theirs"}],
    }
    assert store.settle(op, {"id": op.id, "status": "conflict", "current": theirs}) == "conflict"

    [conflict] = store.conflicts()
    assert conflict.mine["versions"][-1]["note"] == "five at 20"
    assert conflict.theirs == theirs
    assert store.get("quote", "q1") == theirs
    assert store.outbox_count() == 0

    new_op = bench.reapply_mine(conflict)
    [again] = store.pending()
    assert again.id == new_op != op.id
    assert again.payload["answering"] == 2 and again.payload["note"] == "five at 20"
    assert store.conflicts() == []


def test_keep_theirs_drops_mine(store, bench):
    draft = bench.save_draft(customer_id=CUSTOMER["id"], lines=[Line(PRODUCT["id"], 2)])
    [op] = store.pending()
    theirs = {"id": draft, "version": 3, "lines": [], "status": "draft"}
    store.settle(op, {"id": op.id, "status": "conflict", "current": theirs})
    [conflict] = store.conflicts()
    bench.keep_theirs(conflict)
    assert store.conflicts() == [] and store.outbox_count() == 0
    assert store.get("draft_order", draft) == theirs


def test_a_rejected_operation_is_kept_with_its_reason(store, bench):
    note = bench.add_note(body="x", customer_id=CUSTOMER["id"])
    [op] = store.pending()
    store.settle(op, {"id": op.id, "status": "rejected", "detail": "Not allowed."})
    [refusal] = store.refusals()
    assert (refusal.kind, refusal.detail) == ("note.create", "Not allowed.")
    assert store.get("note", note) is None and store.outbox_count() == 0


def test_usage_log_is_uploaded_once(store, bench):
    bench.add_note(body="x", customer_id=CUSTOMER["id"])
    entries = store.usage_to_upload()
    assert [e["event"] for _, e in entries] == ["op.queued"]
    store.mark_usage_uploaded([seq for seq, _ in entries])
    assert store.usage_to_upload() == []
