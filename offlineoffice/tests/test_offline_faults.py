"""The fault test: a TCP proxy between the client and the server drops connections at random
points — before forwarding a request, after the server answered but before the client gets the
answer, in the middle of the answer — with a fixed seed, over 200 syncs. Every operation must be
applied exactly once, nothing lost, and the outbox empty at the end."""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from offlineoffice.office import Office
from offlineoffice.workbench import Line

pytestmark = pytest.mark.django_db(transaction=True)

SYNCS = 200
SEED = 20261206
VALID_UNTIL = (date.today() + timedelta(days=20)).isoformat()
FAULTS = ("drop_before", "drop_after", "drop_mid")
# One request in three meets a fault (each sync makes two to four requests).
FATES = ("pass",) * 6 + FAULTS


class FaultyProxy:
    """One request per connection (the proxy adds `Connection: close`); each request's fate is
    drawn from a seeded random generator."""

    def __init__(self, upstream: tuple[str, int], seed: int) -> None:
        self.upstream = upstream
        self.random = random.Random(seed)
        self.faulty = True
        self.fates: Counter[str] = Counter()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    def __enter__(self) -> FaultyProxy:
        self.thread.start()
        self.ready.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()
        server.close()
        self.loop.run_until_complete(server.wait_closed())
        self.loop.close()

    def _fate(self) -> str:
        fate = self.random.choice(FATES) if self.faulty else "pass"
        self.fates[fate] += 1
        return fate

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> bytes | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return None
        lines = head.decode("latin-1").split("\r\n")
        kept = [line for line in lines[:-2] if not line.lower().startswith("connection:")]
        length = 0
        for line in kept[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        body = await reader.readexactly(length) if length else b""
        return ("\r\n".join([*kept, "Connection: close", "", ""])).encode("latin-1") + body

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await self._read_request(reader)
            if request is None:
                return
            fate = self._fate()
            if fate == "drop_before":
                return  # the server never sees it
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            up_writer.write(request)
            await up_writer.drain()
            answer = await up_reader.read()  # until the server closes: the whole answer
            up_writer.close()
            if fate == "drop_after":
                return  # the server acted; the client hears nothing
            if fate == "drop_mid":
                writer.write(answer[: max(1, len(answer) // 2)])
            else:
                writer.write(answer)
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()


def test_two_hundred_syncs_through_a_faulty_connection_apply_each_operation_once(
    enrolled, shop, settings
):
    from rapport.drafts.models import DraftOrder
    from rapport.quotes.models import Quote
    from rapport.workspace.models import Note

    settings.RAPPORT_API_RATE_DEVICE = 100_000  # many quick calls: not what is tested here
    office = enrolled("employee")
    url = urlsplit(office.profile.server)
    ann, lamp, mug = (str(shop[k].public_id) for k in ("ann", "lamp", "mug"))

    with FaultyProxy((url.hostname, url.port), SEED) as proxy:
        client = Office.open(
            office.profile.directory, server=f"http://127.0.0.1:{proxy.port}", timeout=30
        )
        notes: list[str] = []
        drafts: dict[str, int] = {}  # draft id → the quantity of its last save
        quotes: list[str] = []
        outcomes: Counter[str] = Counter()
        try:
            for i in range(SYNCS):
                notes.append(client.workbench.add_note(body=f"note {i}", customer_id=ann))
                if i % 4 == 0:
                    draft_id = client.workbench.save_draft(customer_id=ann, lines=[Line(lamp, 1)])
                    drafts[draft_id] = 1
                elif i % 4 == 1:  # change the newest draft again (a new version)
                    draft_id = list(drafts)[-1]
                    quantity = drafts[draft_id] + 1
                    client.workbench.save_draft(
                        draft_id=draft_id, customer_id=ann, lines=[Line(mug, quantity)]
                    )
                    drafts[draft_id] = quantity
                if i % 10 == 0:
                    quotes.append(
                        client.workbench.create_quote(
                            customer_id=ann,
                            lines=[Line(lamp, 2, "20.00")],
                            valid_until=VALID_UNTIL,
                        )
                    )
                report = client.sync()
                outcomes["ok" if report.ok else "failed"] += 1
                assert report.conflicts == 0 and report.rejected == 0, client.store.refusals()

            # The connection heals: sync until the outbox is empty. A sync is meant to be
            # retried, and on a loaded machine the live server itself may drop a connection.
            proxy.faulty = False
            for _attempt in range(5):
                report = client.sync()
                if report.ok and client_outbox_empty(office):
                    break
            assert report.ok, report.errors
        finally:
            client.close()

    assert client_outbox_empty(office)
    assert outcomes["failed"] > 20 and outcomes["ok"] > 20, outcomes  # faults really happened
    assert min(proxy.fates[f] for f in FAULTS) > 20, proxy.fates
    assert office.store.conflicts() == [] and office.store.refusals() == []

    # Exactly once: every note, draft and quote once, each draft at its last version.
    assert sorted(str(n.public_id) for n in Note.objects.all()) == sorted(notes)
    assert Note.objects.count() == SYNCS
    assert sorted(str(q.public_id) for q in Quote.objects.all()) == sorted(quotes)
    assert DraftOrder.objects.count() == len(drafts)
    for draft in DraftOrder.objects.prefetch_related("lines"):
        [line] = draft.lines.all()
        assert line.quantity == drafts[str(draft.public_id)]
        assert draft.version == line.quantity  # one version per save, none applied twice


def client_outbox_empty(office: Office) -> bool:
    return office.store.outbox_count() == 0
