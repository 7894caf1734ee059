"""The client against a live server: enrol, sign in, work offline, reconnect, sync; each
operation shows on the server exactly once; a conflict is shown, never overwritten."""

from __future__ import annotations

import os
import stat
from datetime import date, timedelta
from decimal import Decimal

import pytest
from offlineoffice.workbench import Line

pytestmark = pytest.mark.django_db(transaction=True)


def _quote_countered_by_ann(shop, people):
    """Emma offers Ann ten lamps at 22; Ann counters (version 2): Emma's turn to answer."""
    from rapport.quotes.services import LineInput, counter_quote, create_quote, send_quote

    valid_until = date.today() + timedelta(days=10)
    quote = create_quote(
        customer=shop["ann"],
        actor=people["employee"],
        lines=[LineInput(product=shop["lamp"], quantity=10, unit_price=Decimal("22.00"))],
        valid_until=valid_until,
        note="Ten lamps",
    )
    quote = send_quote(quote=quote, actor=people["employee"])
    counter_quote(
        quote=quote,
        actor=people["customer"],
        answering=1,
        lines=[LineInput(product=shop["lamp"], quantity=10, unit_price=Decimal("18.00"))],
        valid_until=valid_until,
        note="18?",
    )
    quote.refresh_from_db()
    return quote


def test_offline_work_reaches_the_server_exactly_once(enrolled, go_offline, shop, people):
    from rapport.drafts.models import DraftOrder
    from rapport.quotes.models import Quote
    from rapport.workspace.models import Note

    quote = _quote_countered_by_ann(shop, people)
    office = enrolled("employee")
    key = office.profile.directory / "device.key"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert office.store.get("product", str(shop["lamp"].public_id))["sku"] == "LAMP-1"
    assert office.store.get("customer", str(shop["ann"].public_id))["name"] == "Ann Buyer"
    assert office.store.get("quote", str(quote.public_id))["latest_version"] == 2

    # Offline: the server cannot be reached; the work waits in the outbox.
    away = go_offline(office)
    ann, lamp, mug = (str(shop[k].public_id) for k in ("ann", "lamp", "mug"))
    draft_id = away.workbench.save_draft(
        customer_id=ann, lines=[Line(lamp, 3), Line(mug, 2)], note="for the new office"
    )
    note_id = away.workbench.add_note(body="Ann wants lamps by Friday", customer_id=ann)
    away.workbench.counter_quote(
        str(quote.public_id), lines=[Line(lamp, 12, "20.00")], note="Twelve at 20"
    )
    report = away.sync()
    assert not report.ok and report.errors[0].startswith("offline")
    assert away.store.outbox_count() == 3
    assert not DraftOrder.objects.exists() and not Note.objects.exists()

    sent = [op.as_wire() for op in away.store.pending()]

    # Back online: one sync sends everything, in order, and pulls the result.
    report = office.sync()
    assert report.ok, report.errors
    assert (report.applied, report.conflicts, report.rejected) == (3, 0, 0)
    assert office.store.outbox_count() == 0

    draft = DraftOrder.objects.get()
    assert str(draft.public_id) == draft_id
    assert sorted((line.product.sku, line.quantity) for line in draft.lines.all()) == [
        ("LAMP-1", 3),
        ("MUG-1", 2),
    ]
    note = Note.objects.get()
    assert (str(note.public_id), note.body) == (note_id, "Ann wants lamps by Friday")
    quote.refresh_from_db()
    assert quote.latest_number == 3
    assert office.store.get("quote", str(quote.public_id))["latest_version"] == 3
    assert office.store.get("draft_order", draft_id)["version"] == draft.version

    # A sync whose answer was lost sends the same ids again: nothing is applied twice.
    again = office.api.call("POST", "/sync/push", json={"operations": sent})
    assert {r["status"] for r in again["results"]} == {"applied"}
    assert all(r["replayed"] for r in again["results"])
    assert DraftOrder.objects.count() == 1 and Note.objects.count() == 1
    quote.refresh_from_db()
    assert quote.latest_number == 3
    assert Quote.objects.count() == 1


def test_a_changed_draft_is_a_conflict_the_user_resolves(enrolled, go_offline, shop, people):
    from rapport.drafts.models import DraftOrder
    from rapport.drafts.services import DraftLineInput, save_draft

    office = enrolled("employee")
    ann, lamp = str(shop["ann"].public_id), str(shop["lamp"].public_id)
    draft_id = office.workbench.save_draft(customer_id=ann, lines=[Line(lamp, 1)])
    assert office.sync().ok
    draft = DraftOrder.objects.get()
    assert draft.version == 1

    # A colleague changes the draft on the server while this device is offline and edits it.
    save_draft(
        actor=people["manager"],
        customer=shop["ann"],
        draft_id=draft.public_id,
        lines=[DraftLineInput(product=shop["mug"], quantity=9)],
        base_version=1,
    )
    away = go_offline(office)
    away.workbench.save_draft(draft_id=draft_id, customer_id=ann, lines=[Line(lamp, 5)])

    report = office.sync()
    assert (report.applied, report.conflicts) == (0, 1)
    [conflict] = office.store.conflicts()
    assert [line["quantity"] for line in conflict.mine["lines"]] == [5]
    assert conflict.theirs["version"] == 2
    assert [line["quantity"] for line in conflict.theirs["lines"]] == [9]
    draft.refresh_from_db()
    assert [line.quantity for line in draft.lines.all()] == [9]  # not overwritten

    # The user chooses: re-apply mine on the server's current version.
    office.workbench.reapply_mine(conflict)
    report = office.sync()
    assert (report.applied, report.conflicts) == (1, 0), report.errors
    draft.refresh_from_db()
    assert draft.version == 3
    assert [(line.product.sku, line.quantity) for line in draft.lines.all()] == [("LAMP-1", 5)]
    assert office.store.conflicts() == [] and office.store.outbox_count() == 0


def test_a_revoked_device_is_refused_and_keeps_its_outbox(enrolled, shop, people):
    from rapport.devices.models import Device
    from rapport.devices.services import revoke_device
    from rapport.workspace.models import Note

    office = enrolled("employee")
    office.workbench.add_note(body="before revocation", customer_id=str(shop["ann"].public_id))
    revoke_device(device=Device.objects.get(), actor=people["manager"])

    report = office.sync()
    assert not report.ok
    assert "device-revoked" in report.errors[0]
    assert office.store.outbox_count() == 1
    assert not Note.objects.exists()


def test_usage_log_is_uploaded(enrolled, shop):
    from rapport.devices.models import Device

    office = enrolled("employee")
    office.workbench.add_note(body="x", customer_id=str(shop["ann"].public_id))
    assert office.sync().ok
    assert office.store.usage_to_upload() == []
    device = Device.objects.get()
    assert device.usage.filter(event="op.queued").exists()


def test_a_certificate_near_its_end_is_renewed_before_syncing(enrolled, settings):
    settings.RAPPORT_DEVICE_CERT_DAYS = 1  # fewer than the 2 days the client renews at
    office = enrolled("employee")
    first = office.profile.certificate()
    assert office.profile.certificate_days_left() < 2

    report = office.sync()
    assert report.ok, report.errors
    renewed = office.profile.certificate()
    assert renewed.serial_number != first.serial_number
    assert renewed.public_key() == first.public_key()  # the same device key
    assert renewed.not_valid_after_utc >= first.not_valid_after_utc


def test_the_command_line_enrols_and_syncs(live_server, people, password, tmp_path, capsys):
    from offlineoffice.cli import main
    from offlineoffice.office import Office

    from rapport.devices.models import Device
    from rapport.devices.services import issue_enrolment_code

    code = issue_enrolment_code(person=people["customer"], actor=people["manager"])
    directory = str(tmp_path / "cli")
    args = ["--data-dir", directory]
    assert main([*args, "enrol", "--server", live_server.url, "--code", code, "--name", "cli"]) == 0
    device = Device.objects.get()
    assert (device.person, device.name) == (people["customer"], "cli")
    assert f"Enrolled as device {device.public_id}" in capsys.readouterr().out

    # The same code again is refused, with the server's reason, and changes nothing.
    again = ["--data-dir", str(tmp_path / "cli2"), "enrol", "--server", live_server.url]
    assert main([*again, "--code", code]) == 1
    assert "403 enrolment-refused" in capsys.readouterr().err
    assert Device.objects.count() == 1

    office = Office.open(directory)
    office.sign_in(people["customer"].email, password)
    office.close()
    assert main([*args, "sync"]) == 0
    assert "Sent 0 (applied 0" in capsys.readouterr().out
    assert main([*args, "status"]) == 0
    assert "Outbox: 0 pending" in capsys.readouterr().out


def test_a_partner_messages_their_chosen_employee_offline(enrolled, go_offline, shop, people):
    from rapport.chat.models import Message
    from rapport.chat.services import start_customer_chat, take_chat

    room = start_customer_chat(
        customer=shop["ann"],
        requested=people["employee"],
        body="Hello Emma",
        actor=people["customer"],
    )
    take_chat(room=room, actor=people["employee"])
    ann = enrolled("customer")
    [conversation] = ann.store.all("conversation")
    assert conversation["id"] == str(room.public_id)

    away = go_offline(ann)
    away.workbench.post_message(conversation["id"], "Can you do 15 lamps at 19?")
    assert [m["body"] for m in away.store.all("message") if m.get("pending")] == [
        "Can you do 15 lamps at 19?"
    ]
    assert not away.sync().ok

    report = ann.sync()
    assert (report.applied, report.rejected) == (1, 0), report.errors
    bodies = list(Message.objects.filter(room=room).order_by("seq").values_list("body", flat=True))
    assert bodies == ["Hello Emma", "Can you do 15 lamps at 19?"]
    # The placeholder gave way to the server's message; Emma's device receives it.
    assert sorted(m["body"] for m in ann.store.all("message")) == sorted(bodies)
    emma = enrolled("employee")
    received = [
        m["body"] for m in emma.store.all("message") if m["conversation"] == conversation["id"]
    ]
    assert received == bodies


def test_an_ended_session_asks_to_sign_in_again_and_keeps_the_outbox(enrolled, shop):
    from rapport.devices.models import DeviceSession
    from rapport.devices.services import sign_out

    office = enrolled("customer")
    office.workbench.post_message("00000000-0000-4000-8000-000000000000", "kept")
    sign_out(session=DeviceSession.objects.get())  # e.g. expired, or ended on the server

    report = office.sync()
    assert report.needs_sign_in and "401 not-authenticated" in report.errors[0]
    assert office.store.outbox_count() == 1
