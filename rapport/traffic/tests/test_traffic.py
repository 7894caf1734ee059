"""Site traffic: the storefront log (what is logged, what never is, visits and the funnel), the
real clickstream as demo traffic with figures counted by hand from its CSV, the purchase-intent
model on real sessions, and the report (export parsed back, permissions)."""

import csv
import datetime
import gzip
import io
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from rapport.analytics.exports import to_xlsx
from rapport.analytics.reports import parse_filters
from rapport.core.testing import MANAGER_ONLY, Row, check_matrix, expect
from rapport.traffic import intent, log
from rapport.traffic.clickstream import load
from rapport.traffic.models import PageView, TrafficSource, Visit
from rapport.traffic.report import traffic

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "traffic"
CLICKS = DATA / "clickstream_slice.csv.gz"
SESSIONS = DATA / "online_shoppers_slice.csv.gz"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"
DEMO_PERIOD = {"start": "2008-04-01", "end": "2008-08-31", "grain": "month"}


@pytest.fixture(autouse=True)
def _empty_queue():
    log._local.clear()  # other tests' page views may wait in this process's queue
    yield
    log._local.clear()


@pytest.fixture
def product():
    from rapport.checkout.tests.factories import stocked_product

    return stocked_product(quantity=10, price="10.00")


def test_storefront_pages_become_one_visit_with_its_funnel(client, product):
    client.get(
        reverse("storefront:home"), HTTP_USER_AGENT=PHONE, HTTP_REFERER="https://news.example.org/x"
    )
    client.get(product.get_absolute_url(), HTTP_USER_AGENT=PHONE)
    client.post(
        reverse("storefront:cart_add"), {"product": str(product.public_id), "quantity": "1"},
        HTTP_USER_AGENT=PHONE,
    )  # fmt: skip
    client.get(reverse("storefront:cart"), HTTP_USER_AGENT=PHONE)
    assert Visit.objects.count() == 0  # queued, not written on the request path
    assert log.flush() == 4

    visit = Visit.objects.get()
    assert (visit.pages, visit.product_views, visit.cart_adds, visit.orders) == (3, 1, 1, 0)
    assert (visit.entry_path, visit.referrer, visit.device) == ("/", "news.example.org", "mobile")
    assert list(PageView.objects.order_by("at", "pk").values_list("event", flat=True)) == [
        "view", "view", "add_to_cart", "view",
    ]  # fmt: skip
    # No IP address or user agent is kept: the key is a one-way hash.
    assert "127.0.0.1" not in visit.key and len(visit.key) == 32


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_USER_AGENT": "Mozilla/5.0 (compatible; Googlebot/2.1)"},
        {"HTTP_USER_AGENT": "python-requests/2.32"},
        {"HTTP_USER_AGENT": ""},
        {"HTTP_USER_AGENT": BROWSER, "HTTP_DNT": "1"},
        {"HTTP_USER_AGENT": BROWSER, "HTTP_SEC_GPC": "1"},
    ],
)
def test_bots_and_visitors_asking_not_to_be_tracked_are_not_logged(client, headers):
    client.get(reverse("storefront:home"), **headers)
    assert log.flush() == 0


def test_staff_pages_and_errors_are_not_logged(clients):
    clients["manager"].get(reverse("portal:reports"), HTTP_USER_AGENT=BROWSER)
    clients["anonymous"].get("/p/00000000-0000-0000-0000-000000000000/", HTTP_USER_AGENT=BROWSER)
    assert log.flush() == 0


def test_a_gap_of_more_than_thirty_minutes_starts_a_new_visit():
    start = datetime.datetime(2026, 1, 5, 10, tzinfo=datetime.UTC)

    def event(minutes):
        at = start + datetime.timedelta(minutes=minutes)
        return {"key": "k1", "at": at.isoformat(), "path": "/", "kind": "home", "event": "view",
                "referrer": "", "device": "desktop", "returning": False}  # fmt: skip

    log.record([event(0), event(20)], scorer=lambda v: None)
    log.record([event(49)], scorer=lambda v: None)  # 29 minutes after the last view
    log.record([event(80)], scorer=lambda v: None)  # 31 minutes after
    visits = list(Visit.objects.order_by("started_at").values_list("pages", flat=True))
    assert visits == [3, 1]


def by_hand():
    """Per month: sessions, clicks, one-click sessions; entry page counts."""
    clicks = defaultdict(list)
    with gzip.open(CLICKS, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            clicks[row["session ID"]].append(row)
    months = defaultdict(lambda: [0, 0, 0])
    entries = defaultdict(int)
    for rows in clicks.values():
        first = min(rows, key=lambda r: int(r["order"]))
        month = f"{first['year']}-{int(first['month']):02d}"
        months[month][0] += 1
        months[month][1] += len(rows)
        months[month][2] += len(rows) == 1
        category = {"1": "trousers", "2": "skirts", "3": "blouses", "4": "sale"}[
            first["page 1 (main category)"]
        ]
        entries[f"/c/{category}/{first['page 2 (clothing model)']}"] += 1
    return months, entries, len(clicks)


def test_demo_clickstream_figures_match_the_file(clients):
    months, entries, sessions = by_hand()
    out = io.StringIO()
    call_command("import_clickstream", str(CLICKS), stdout=out)
    assert out.getvalue().startswith(f"{sessions} visits")
    data = traffic(parse_filters({**DEMO_PERIOD, "source": TrafficSource.CLICKSTREAM}))
    rows = {r["period"].strftime("%Y-%m"): r for r in data.tables[0].rows}
    assert set(rows) == set(months)
    for month, (visits, views, bounces) in months.items():
        assert (rows[month]["visits"], rows[month]["views"]) == (visits, views)
        assert rows[month]["bounce_rate"] == (Decimal(bounces) / visits).quantize(Decimal("0.0001"))
    funnel = data.tables[1].rows
    assert funnel[0]["visits"] == sessions and funnel[1]["visits"] == 0
    top_entry = data.tables[2].rows[0]
    assert top_entry["visits"] == max(entries.values())
    assert entries[top_entry["entry"]] == top_entry["visits"]
    # Loading again replaces the demo visits.
    load(CLICKS)
    assert Visit.objects.filter(source=TrafficSource.CLICKSTREAM).count() == sessions

    sheet = __import__("openpyxl").load_workbook(io.BytesIO(to_xlsx(data))).worksheets[0]
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        r["visits"] for r in data.tables[0].rows
    ]
    page = clients["manager"].get(reverse("portal:report", args=["traffic"]), DEMO_PERIOD)
    assert "Funnel" in page.content.decode()


def test_intent_model_ranks_real_sessions_and_scores_live_visits(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    rows, y = intent.read_sessions(SESSIONS)
    assert len(rows) == 3083 and 0 < y.sum() < len(y)
    result = intent.evaluate(SESSIONS)
    assert result["sessions"] == 3083
    assert result["full"]["roc_auc"] > 0.85  # page value carries most of the signal
    assert 0.6 < result["live"]["roc_auc"] < result["full"]["roc_auc"]
    intent.train(SESSIONS)
    now = datetime.datetime(2026, 11, 20, 15, tzinfo=datetime.UTC)
    browsing = Visit(last_seen_at=now, started_at=now, product_pages=40, product_seconds=1800,
                     account_pages=3, account_seconds=120, returning=True)  # fmt: skip
    bounce = Visit(last_seen_at=now, started_at=now, product_pages=1)
    assert intent.score_visit(browsing) > intent.score_visit(bounce)


def test_traffic_report_permission_matrix(people, clients):
    rows = [
        Row(
            "portal:report traffic",
            reverse("portal:report", args=["traffic"]),
            expect(**MANAGER_ONLY),
        ),
        Row(
            "portal:report_export traffic",
            reverse("portal:report_export", args=["traffic", "csv"]),
            expect(**MANAGER_ONLY),
        ),
    ]
    assert check_matrix(rows, clients, {}) == []


def test_the_demo_bootstrap_loads_the_clickstream_and_trains_the_model_once(settings, tmp_path):
    import shutil

    from rapport.core.management.commands.bootstrap_demo import Command

    settings.VAR_DIR = tmp_path / "var"
    (tmp_path / "clickstream_eshop").mkdir()
    (tmp_path / "online_shoppers").mkdir()
    shutil.copy(CLICKS, tmp_path / "clickstream_eshop" / "e-shop_clothing_2008.csv.gz")
    shutil.copy(SESSIONS, tmp_path / "online_shoppers" / "online_shoppers_intention.csv.gz")
    command = Command(stdout=io.StringIO())
    command._demo_traffic(tmp_path)
    visits = Visit.objects.filter(source=TrafficSource.CLICKSTREAM).count()
    assert visits == by_hand()[2]
    assert intent.model_path().exists()
    stamp = intent.model_path().stat().st_mtime
    command._demo_traffic(tmp_path)  # second run: nothing again
    assert Visit.objects.count() == visits
    assert intent.model_path().stat().st_mtime == stamp


@pytest.mark.parametrize(
    "intent_score,orders,headers,invited",
    [
        (0.8, 0, {}, True),
        (0.2, 0, {}, False),
        (0.8, 1, {}, False),  # already bought
        (None, 0, {}, False),  # no model
        (0.8, 0, {"HTTP_DNT": "1"}, False),
    ],
)
def test_a_likely_buyer_who_lingers_is_offered_chat(client, intent_score, orders, headers, invited):
    from django.utils import timezone

    now = timezone.now()
    Visit.objects.create(
        key=log.visitor_key("127.0.0.1", BROWSER, now.date()), source=TrafficSource.SITE,
        started_at=now, last_seen_at=now, entry_path="/", intent=intent_score, orders=orders,
    )  # fmt: skip
    answer = client.get(reverse("storefront:chat_invite"), HTTP_USER_AGENT=BROWSER, **headers)
    assert answer.json() == {"invite": invited}
    assert answer["Cache-Control"].startswith("max-age=0")
    other = client.get(reverse("storefront:chat_invite"), HTTP_USER_AGENT=PHONE)
    assert other.json() == {"invite": False}  # another visitor


def test_the_invitation_is_in_the_page_hidden_until_asked(client):
    html = client.get(reverse("storefront:home"), HTTP_USER_AGENT=BROWSER).content.decode()
    assert 'id="chat-invite"' in html and "hidden" in html.split('id="chat-invite"')[1][:200]
    assert "traffic/invite" in html


class _FakeRedis:
    def __init__(self):
        self.pushed: list[tuple[str, tuple[str, ...]]] = []

    def rpush(self, key, *values):
        self.pushed.append((key, values))


def test_with_redis_the_request_only_queues_and_one_rpush_sends_the_pile(monkeypatch):
    """The request path never talks to Redis: events wait in the process and one RPUSH sends
    them all (in order, as the JSON `flush` reads back); the sender thread starts once."""
    fake = _FakeRedis()
    started = []
    sender = log._Sender()
    monkeypatch.setattr(log, "_uses_redis", lambda: True)
    monkeypatch.setattr(log, "_redis", lambda: fake)
    monkeypatch.setattr(log, "_sender", sender)
    thread = type("T", (), {"start": lambda self: started.append(self)})
    monkeypatch.setattr(log.threading, "Thread", lambda **kw: thread())
    events = [{"key": f"k{i}", "at": f"2026-12-06T08:00:0{i}+00:00"} for i in range(3)]
    for event in events:
        log.push(event)
    assert fake.pushed == [] and len(started) == 1
    assert sender.send_now() == 3
    assert fake.pushed == [(log.QUEUE_KEY, tuple(json.dumps(e) for e in events))]
    assert sender.send_now() == 0 and len(fake.pushed) == 1
