"""The traffic view read from its daily rollups equals the same figures counted here from the
visits themselves (real demo clickstream slice plus this site's logged visits), and the rollups
follow every write of queued events."""

import datetime
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from rapport.analytics.reports import parse_filters
from rapport.traffic import log
from rapport.traffic.clickstream import load
from rapport.traffic.models import TrafficSource, Visit, VisitDay, VisitTopDay
from rapport.traffic.report import traffic
from rapport.traffic.rollups import rebuild_visit_days

pytestmark = pytest.mark.django_db

CLICKS = (
    Path(__file__).resolve().parents[3] / "tests" / "data" / "traffic" / "clickstream_slice.csv.gz"
)
START = datetime.datetime(2026, 3, 30, 23, 40, tzinfo=datetime.UTC)  # a Monday, late evening


@pytest.fixture(autouse=True)
def _empty_queue():
    log._local.clear()
    yield
    log._local.clear()


def event(key, minutes, kind="product", what="view", referrer="", device="desktop", path=None):
    at = START + datetime.timedelta(minutes=minutes)
    return {"key": key, "at": at.isoformat(), "path": path or f"/{kind}/{key}", "kind": kind,
            "event": what, "referrer": referrer, "device": device, "returning": False}  # fmt: skip


def site_events():
    """Visits over several days, devices, referrers and funnel depths (one crosses midnight)."""
    events = []
    for i in range(24):
        key, day = f"v{i}", (i % 9) * 24 * 60
        device = ["desktop", "mobile", "tablet"][i % 3]
        referrer = ["", "www.google.com", "news.example.org", ""][i % 4]
        events.append(event(key, day, "home", referrer=referrer, device=device, path="/"))
        if i % 2:
            events.append(event(key, day + 3, "product", device=device))
        if i % 3 == 0:
            events.append(event(key, day + 5, "product", "add_to_cart", device=device))
        if i % 4 == 0:
            events.append(event(key, day + 25, "checkout", device=device))  # after midnight
        if i % 8 == 0:
            events.append(event(key, day + 26, "checkout", "order", device=device))
    return events


def by_hand(params):
    """The period table, funnel and top lists counted from the Visit rows."""
    filters = parse_filters(params)
    visits = [
        v
        for v in Visit.objects.all()
        if filters.start <= v.started_at.astimezone(datetime.UTC).date() <= filters.end
        and (not filters.source or v.source == filters.source)
    ]

    def period(v):
        day = v.started_at.astimezone(datetime.UTC).date()
        if filters.grain == "week":
            return day - datetime.timedelta(days=day.weekday())
        return day.replace(day=1) if filters.grain == "month" else day

    periods = defaultdict(list)
    for v in visits:
        periods[period(v)].append(v)
    table = [
        {
            "period": p,
            "visits": len(vs),
            "views": sum(v.pages for v in vs),
            "pages_per_visit": (Decimal(sum(v.pages for v in vs)) / len(vs)).quantize(
                Decimal("0.01")
            ),
            "bounce_rate": (Decimal(sum(v.pages <= 1 for v in vs)) / len(vs)).quantize(
                Decimal("0.0001")
            ),
        }
        for p, vs in sorted(periods.items())
    ]
    steps = [
        sum(v.product_views > 0 for v in visits),
        sum(v.cart_adds > 0 for v in visits),
        sum(v.checkouts > 0 for v in visits),
        sum(v.orders > 0 for v in visits),
    ]

    def top(field):
        counts = Counter(getattr(v, field) for v in visits)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:20]

    return table, steps, top("entry_path"), top("referrer"), top("device")


def from_report(params):
    data = traffic(parse_filters(params))
    periods, funnel, entries, referrers, devices = (t.rows for t in data.tables[:5])
    table = [
        {k: r[k] for k in ("period", "visits", "views", "pages_per_visit", "bounce_rate")}
        for r in periods
    ]
    labels = {"desktop": "Desktop", "mobile": "Mobile", "tablet": "Tablet", "unknown": "Unknown"}
    return (
        table,
        [r["visits"] for r in funnel],
        [(r["entry"], r["visits"]) for r in entries],
        [("" if r["referrer"] == "(direct)" else r["referrer"], r["visits"]) for r in referrers],
        [
            (next(k for k, v in labels.items() if v == str(r["device"])), r["visits"])
            for r in devices
        ],
    )


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-03-28", "end": "2026-04-12", "grain": "day"},
        {"start": "2026-03-28", "end": "2026-04-12", "grain": "week"},
        {"start": "2026-03-31", "end": "2026-04-05", "grain": "day", "source": "site"},
        {"start": "2008-04-01", "end": "2008-08-31", "grain": "month"},
        {"start": "2008-04-01", "end": "2008-08-31", "grain": "week", "source": "clickstream"},
    ],
    ids=["site-days", "site-weeks", "site-part", "demo-months", "demo-weeks"],
)
def test_rollup_report_equals_the_count_from_the_visits(params):
    load(CLICKS)
    log.record(site_events(), scorer=lambda v: None)

    expected = by_hand(params)
    assert expected[0], "the period has visits"
    assert from_report(params) == expected


def test_every_flush_brings_the_day_up_to_date(client):
    log.record([event("a", 0, "home", path="/")], scorer=lambda v: None)
    day = START.date()
    assert VisitDay.objects.get(day=day).bounces == 1

    # The same visit goes on past midnight: its start day (not the new one) changes.
    log.record([event("a", 20, "product"), event("a", 21, "product", "add_to_cart")],
               scorer=lambda v: None)  # fmt: skip
    row = VisitDay.objects.get(day=day)
    assert (row.visits, row.page_views, row.bounces, row.viewed, row.added) == (1, 2, 0, 1, 1)
    assert not VisitDay.objects.filter(day=day + datetime.timedelta(days=1)).exists()

    # A storefront request, queued off the request path, counts once the flush has run.
    client.get(reverse("storefront:home"), HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux) Firefox/126")
    today = datetime.datetime.now(datetime.UTC).date()
    params = {"start": today.isoformat(), "end": today.isoformat(), "grain": "day"}
    assert from_report(params)[0] == []
    assert log.flush() == 1
    assert from_report(params) == by_hand(params)
    assert from_report(params)[0][0]["visits"] == 1


def test_rebuild_matches_the_incremental_rows_and_drops_empty_days():
    log.record(site_events(), scorer=lambda v: None)
    incremental = (
        sorted(VisitDay.objects.values_list("day", "source", "visits", "page_views", "bounces",
                                            "viewed", "added", "checkout", "ordered")),
        sorted(VisitTopDay.objects.values_list("day", "source", "dimension", "value", "visits")),
    )  # fmt: skip
    VisitDay.objects.create(day=datetime.date(2020, 1, 1), source=TrafficSource.SITE, visits=5)

    rebuild_visit_days()

    assert (
        sorted(VisitDay.objects.values_list("day", "source", "visits", "page_views", "bounces",
                                            "viewed", "added", "checkout", "ordered")),
        sorted(VisitTopDay.objects.values_list("day", "source", "dimension", "value", "visits")),
    ) == incremental  # fmt: skip
