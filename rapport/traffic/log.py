"""Logging page views off the request path.

The middleware (`TrafficMiddleware`) turns a storefront response into a small event (visitor
hash, time, path, page kind, event, referrer host, device class) and appends it to this process's
list, which a background thread pushes to a Redis list once a second (one RPUSH: `_Sender`; the
request never waits for the network); `flush()` — the beat task `traffic.flush_events`, every
10 seconds — writes the queued events into visits and page views, and recomputes the daily
rollups (`rollups.py`) of the days those visits started on. Without Redis (development,
tests) events wait in a per-process list and are written every `LOCAL_BATCH` events.

Never logged: staff pages, non-GET pages except the add-to-cart and order-placing posts, error
responses, bots (user agent), visitors sending Do Not Track or Global Privacy Control.
"""

from __future__ import annotations

import atexit
import datetime
import hashlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone

from rapport.traffic.models import Device, PageKind, PageView, TrafficSource, Visit
from rapport.traffic.rollups import refresh_visit_days

QUEUE_KEY = "traffic:events"
LOCAL_BATCH = 100
SEND_EVERY = 1.0  # seconds between two sends of the queued events to Redis
VISIT_GAP = datetime.timedelta(minutes=30)
BOTS = re.compile(
    r"bot|crawl|spider|slurp|bingpreview|headless|python-requests|python-urllib|curl|wget|"
    r"httpclient|go-http|java/|libwww|scrapy|phantomjs|lighthouse|monitor",
    re.IGNORECASE,
)
KINDS = {
    "home": PageKind.HOME,
    "category": PageKind.LISTING,
    "search": PageKind.LISTING,
    "product": PageKind.PRODUCT,
    "product_short": PageKind.PRODUCT,
    "cart": PageKind.CART,
    "checkout": PageKind.CHECKOUT,
    "checkout_verify": PageKind.CHECKOUT,
}
CART_ADDS = {"cart_add", "cart_add_product"}
PLACING = {"checkout", "checkout_verify"}

_local: list[dict[str, Any]] = []
_local_lock = threading.Lock()
logger = logging.getLogger(__name__)


def device_of(agent: str) -> str:
    text = agent.lower()
    if "ipad" in text or "tablet" in text or ("android" in text and "mobile" not in text):
        return Device.TABLET
    if "mobi" in text or "iphone" in text:
        return Device.MOBILE
    return Device.DESKTOP if agent else Device.UNKNOWN


def visitor_key(ip: str, agent: str, day: datetime.date) -> str:
    """A daily-rotating, one-way visitor hash (the IP and user agent are never stored)."""
    salt = f"{settings.SECRET_KEY}:traffic:{day.isoformat()}"
    return hashlib.sha256(f"{salt}:{ip}:{agent}".encode()).hexdigest()[:32]


def _kind(name: str, path: str) -> str:
    if name in KINDS:
        return KINDS[name]
    if path.startswith("/account/"):
        return PageKind.ACCOUNT
    if path.startswith("/help"):
        return PageKind.HELP
    return PageKind.OTHER


def _url_name(path: str) -> str:
    try:
        match = resolve(path)
    except Resolver404:
        return ""
    return match.url_name or ""


def event_for(request: HttpRequest, response: HttpResponse) -> dict[str, Any] | None:
    """The event to log for this request, or None (not a page worth logging, or not allowed)."""
    meta = request.META  # not `request.headers`: building it reads every header, each page
    if meta.get("HTTP_DNT") == "1" or meta.get("HTTP_SEC_GPC") == "1":
        return None
    agent = meta.get("HTTP_USER_AGENT", "")
    if not agent or BOTS.search(agent):
        return None
    match = request.resolver_match
    if match is None or match.namespace != "storefront":
        return None
    name = match.url_name or ""
    event = "view"
    if request.method == "GET":
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            return None
        if request.headers.get("HX-Request"):
            return None
    elif request.method == "POST" and name in CART_ADDS and response.status_code < 400:
        event = "add_to_cart"
    elif request.method == "POST" and name in PLACING and response.status_code in (302, 303):
        if _url_name(urlsplit(response.get("Location", "")).path) != "order":
            return None
        event = "order"
    else:
        return None
    now = timezone.now()
    referrer = urlsplit(request.headers.get("Referer", "")).hostname or ""
    if referrer == request.get_host().split(":")[0]:
        referrer = ""
    return {
        "key": visitor_key(request.META.get("REMOTE_ADDR", ""), agent, now.date()),
        "at": now.isoformat(),
        "path": request.path[:200],
        "kind": _kind(name, request.path),
        "event": event,
        "referrer": referrer[:120],
        "device": device_of(agent),
        "returning": request.user.is_authenticated,
    }


def _redis() -> Any:
    client = getattr(cache, "_cache", None)
    if client is None or not hasattr(client, "get_client"):
        return None
    return client.get_client(QUEUE_KEY, write=True)


def _uses_redis() -> bool:
    return hasattr(getattr(cache, "_cache", None), "get_client")


class _Sender:
    """This process's events on their way to Redis. A request only appends its event to a list;
    a daemon thread started with the first event sends what has piled up once a second, in one
    RPUSH. Waking Redis on every request cost a few milliseconds of wall time on a loaded
    machine (the kernel switches to Redis and back), one RPUSH a second costs nothing per
    request (docs/performance.md, issue 19). Events still in the list when the process exits
    are sent by an exit hook; a crash loses at most the last second's."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: list[dict[str, Any]] = []
        self.pid = 0
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self) -> None:
        # A forked worker starts empty, with its own lock and (on its first event) thread.
        self.lock = threading.Lock()
        self.pending = []
        self.pid = 0

    def add(self, event: dict[str, Any]) -> None:
        with self.lock:
            self.pending.append(event)
            if self.pid == os.getpid():
                return
            first_start = self.pid == 0
            self.pid = os.getpid()
        threading.Thread(target=self._run, name="traffic-log-sender", daemon=True).start()
        if first_start:
            atexit.register(self._send_at_exit)

    def send_now(self, client: Any = None) -> int:
        """Send every pending event (one RPUSH); returns how many."""
        with self.lock:
            batch, self.pending = self.pending, []
        if batch:
            (client or _redis()).rpush(QUEUE_KEY, *(json.dumps(e) for e in batch))
        return len(batch)

    def _run(self) -> None:
        client = _redis()
        pid = os.getpid()
        while self.pid == pid:
            time.sleep(SEND_EVERY)
            try:
                self.send_now(client)
            except Exception:
                logger.exception("traffic events not sent to Redis")
                client = _redis()

    def _send_at_exit(self) -> None:
        if self.pid != os.getpid():
            return
        try:
            self.send_now()
        except Exception:
            logger.exception("traffic events not sent to Redis at exit")


_sender = _Sender()


def push(event: dict[str, Any]) -> None:
    """Queue one event: with Redis, into this process's list that a background thread sends
    once a second (`_Sender`); without Redis, into the per-process list written to the database
    every `LOCAL_BATCH` events."""
    if _uses_redis():
        _sender.add(event)
        return
    with _local_lock:
        _local.append(event)
        full = len(_local) >= LOCAL_BATCH
    if full:
        flush()


def _take(limit: int) -> list[dict[str, Any]]:
    redis = _redis()
    if redis is not None:
        pipe = redis.pipeline()
        pipe.lrange(QUEUE_KEY, 0, limit - 1)
        pipe.ltrim(QUEUE_KEY, limit, -1)
        raw, _trimmed = pipe.execute()
        return [json.loads(item) for item in raw]
    with _local_lock:
        taken = _local[:limit]
        del _local[:limit]
    return taken


def flush(limit: int = 5000) -> int:
    """Write queued events into visits and page views; returns how many were written."""
    events = _take(limit)
    if events:
        record(events)
    return len(events)


def _add(visit: Visit, kind: str, event: str, seconds: float) -> None:
    """Count one page view (and the time spent on the page before it) on the visit."""
    if visit.last_kind in (PageKind.ACCOUNT, PageKind.CHECKOUT):
        visit.account_seconds += seconds
    elif visit.last_kind == PageKind.HELP:
        visit.help_seconds += seconds
    elif visit.last_kind in (PageKind.PRODUCT, PageKind.LISTING, PageKind.CART):
        visit.product_seconds += seconds
    if event == "add_to_cart":
        visit.cart_adds += 1
        return
    if event == "order":
        visit.orders += 1
        return
    visit.pages += 1
    visit.last_kind = kind
    if kind in (PageKind.ACCOUNT, PageKind.CHECKOUT):
        visit.account_pages += 1
    elif kind == PageKind.HELP:
        visit.help_pages += 1
    elif kind in (PageKind.PRODUCT, PageKind.LISTING, PageKind.CART):
        visit.product_pages += 1
    if kind == PageKind.PRODUCT:
        visit.product_views += 1
    if kind == PageKind.CHECKOUT:
        visit.checkouts += 1


def record(
    events: list[dict[str, Any]], scorer: Callable[[Visit], float | None] | None = None
) -> None:
    """Group events into visits (same key, gaps under 30 minutes) and store them."""
    from rapport.traffic.intent import score_visit

    scorer = scorer or score_visit
    events = sorted(events, key=lambda e: e["at"])
    with transaction.atomic():
        open_visits: dict[str, Visit] = {}
        views: list[PageView] = []
        days: set[datetime.date] = set()
        for e in events:
            at = datetime.datetime.fromisoformat(e["at"])
            visit = open_visits.get(e["key"])
            if visit is None:
                visit = (
                    Visit.objects.select_for_update()
                    .filter(
                        key=e["key"], source=TrafficSource.SITE, last_seen_at__gte=at - VISIT_GAP
                    )
                    .order_by("-last_seen_at")
                    .first()
                )
            if visit is None or at - visit.last_seen_at > VISIT_GAP:
                visit = Visit(
                    key=e["key"], source=TrafficSource.SITE, started_at=at, last_seen_at=at,
                    entry_path=e["path"], referrer=e["referrer"], device=e["device"],
                    returning=bool(e.get("returning")),
                )  # fmt: skip
            seconds = max(0.0, (at - visit.last_seen_at).total_seconds())
            _add(visit, e["kind"], e["event"], seconds)
            visit.last_seen_at = max(visit.last_seen_at, at)
            visit.returning = visit.returning or bool(e.get("returning"))
            visit.intent = scorer(visit)
            visit.save()
            days.add(visit.started_at.astimezone(datetime.UTC).date())
            open_visits[e["key"]] = visit
            views.append(
                PageView(visit=visit, at=at, path=e["path"], kind=e["kind"], event=e["event"])
            )
        PageView.objects.bulk_create(views, batch_size=2000)
        refresh_visit_days(days)  # the report's daily rollups follow every write


class TrafficMiddleware:
    """Logs storefront page views and funnel events (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        try:
            event = event_for(request, response)
            if event is not None:
                push(event)
        except Exception:
            logger.exception("traffic event not logged")
        return response
