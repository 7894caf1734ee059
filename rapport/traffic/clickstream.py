"""Loading the real clickstream of an online clothing shop (UCI "e-shop clothing 2008",
`../shared/datasets/clickstream_eshop/`) as demo traffic: one visit per session, one product
page view per click, in click order. The file has dates but no times, no referrers, devices or
cart/order events, so those stay empty for demo visits; countries are the file's codes (only 29,
Poland, is named by the data set's description)."""

from __future__ import annotations

import csv
import datetime
import gzip
from pathlib import Path
from typing import Any

from django.db import transaction

from rapport.traffic.models import Device, PageKind, PageView, TrafficSource, Visit
from rapport.traffic.rollups import rebuild_visit_days

CATEGORIES = {"1": "trousers", "2": "skirts", "3": "blouses", "4": "sale"}
COUNTRIES = {"29": "Poland"}


class ClickstreamFileError(ValueError):
    """The file is not the e-shop clothing clickstream; the message says why."""


def read_sessions(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Clicks per session ID, in click order."""
    sessions: dict[str, list[dict[str, Any]]] = {}
    try:
        with gzip.open(path, "rt", newline="") as handle:
            for row in csv.DictReader(handle):
                day = datetime.date(int(row["year"]), int(row["month"]), int(row["day"]))
                sessions.setdefault(row["session ID"], []).append(
                    {
                        "order": int(row["order"]),
                        "day": day,
                        "country": row["country"],
                        "path": f"/c/{CATEGORIES.get(row['page 1 (main category)'], 'other')}"
                        f"/{row['page 2 (clothing model)']}",
                    }
                )
    except (OSError, KeyError, ValueError) as exc:
        raise ClickstreamFileError(f"{path}: not the e-shop clothing clickstream ({exc})") from exc
    for clicks in sessions.values():
        clicks.sort(key=lambda c: c["order"])
    return sessions


def load(path: Path) -> tuple[int, int]:
    """Replace the demo visits with the file's sessions; returns (visits, page views)."""
    sessions = read_sessions(path)
    with transaction.atomic():
        Visit.objects.filter(source=TrafficSource.CLICKSTREAM).delete()
        visits = []
        for sid, clicks in sessions.items():
            start = datetime.datetime.combine(clicks[0]["day"], datetime.time.min, datetime.UTC)
            visits.append(
                Visit(
                    key=f"clickstream-{sid}",
                    source=TrafficSource.CLICKSTREAM,
                    started_at=start,
                    last_seen_at=start,
                    entry_path=clicks[0]["path"],
                    device=Device.UNKNOWN,
                    country=COUNTRIES.get(clicks[0]["country"], f"#{clicks[0]['country']}"),
                    pages=len(clicks),
                    product_pages=len(clicks),
                    product_views=len(clicks),
                    last_kind=PageKind.PRODUCT,
                )
            )
        Visit.objects.bulk_create(visits, batch_size=2000)
        views = [
            PageView(
                visit=visit,
                at=datetime.datetime.combine(c["day"], datetime.time.min, datetime.UTC),
                path=c["path"],
                kind=PageKind.PRODUCT,
            )
            for visit, clicks in zip(visits, sessions.values(), strict=True)
            for c in clicks
        ]
        PageView.objects.bulk_create(views, batch_size=5000)
        rebuild_visit_days()
    return len(visits), len(views)
