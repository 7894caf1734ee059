"""The site checker's crawler: asyncio + httpx (ADR 0007), parsing pages with the standard
library's HTML parser.

It starts at the given URLs, follows every same-origin link of HTML pages, fetches each internal
URL once, and reports faults: broken internal links, missing or broken images, page titles and
meta descriptions (missing, empty, too long, duplicate — among pages that are indexable and
not a declared copy of another through `rel="canonical"`), slow pages, mixed content (http://
assets on an https site) and orphans (known pages nothing links to). External links are
listed, not fetched, unless `fetch_external` is on — and then only hosts on the allow-list.
It knows nothing of Django: `rapport.content.checker.services` runs it and stores the result.

A re-crawl is incremental: given each URL's facts from the last crawl (`PageFacts`: status,
type, timing, validators, title, description, links, images, mixed-content assets), the crawler
asks with `If-None-Match` / `If-Modified-Since`, and on a 304 reuses the facts without
downloading or parsing the page; every other answer (a changed page, a 404, a redirect to
somewhere new) is taken as it comes, so faults are found as on a first crawl.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx

TITLE_MAX = 60
DESCRIPTION_MAX = 160


class Kind:
    BROKEN_LINK = "broken_link"
    BROKEN_EXTERNAL = "broken_external"
    MISSING_IMAGE = "missing_image"
    BROKEN_IMAGE = "broken_image"
    MISSING_TITLE = "missing_title"
    EMPTY_TITLE = "empty_title"
    DUPLICATE_TITLE = "duplicate_title"
    LONG_TITLE = "long_title"
    MISSING_DESCRIPTION = "missing_description"
    EMPTY_DESCRIPTION = "empty_description"
    DUPLICATE_DESCRIPTION = "duplicate_description"
    LONG_DESCRIPTION = "long_description"
    SLOW_PAGE = "slow_page"
    MIXED_CONTENT = "mixed_content"
    ORPHAN_PAGE = "orphan_page"

    ALL = (
        BROKEN_LINK,
        BROKEN_EXTERNAL,
        MISSING_IMAGE,
        BROKEN_IMAGE,
        MISSING_TITLE,
        EMPTY_TITLE,
        DUPLICATE_TITLE,
        LONG_TITLE,
        MISSING_DESCRIPTION,
        EMPTY_DESCRIPTION,
        DUPLICATE_DESCRIPTION,
        LONG_DESCRIPTION,
        SLOW_PAGE,
        MIXED_CONTENT,
        ORPHAN_PAGE,
    )


@dataclass(frozen=True)
class Fault:
    kind: str
    url: str  # the faulty thing: a page, a link target, an image
    found_on: str = ""  # the page that links to it ("" for a page's own faults)
    detail: str = ""


@dataclass
class Settings:
    # Politeness toward the store being crawled: at most `concurrency` requests at once, and
    # each connection waits `pause` seconds after every request (ADR 0007). The defaults are
    # the crawler's own; production values come from RAPPORT_CHECKER_CONCURRENCY / _PAUSE_MS.
    concurrency: int = 16
    pause: float = 0.0
    timeout: float = 10.0
    slow_ms: int = 1500
    fetch_external: bool = False
    external_allow: tuple[str, ...] = ()  # hosts; "*" allows any
    https_site: bool | None = None  # None: from the start URL's scheme
    max_pages: int = 50_000
    # Sent with every request to the site itself, never elsewhere (e.g. the store's CSRF cookie,
    # the same from one crawl to the next, so the store can answer 304: `core.conditional`).
    cookie: str = ""


@dataclass
class PageFacts:
    """What one fetched URL showed, kept from a crawl to the next. `ms` is the time of the last
    full answer (a 304 says nothing about how long the page takes to render)."""

    status: int
    kind: str  # content type, or the error's name when status is 0
    ms: float
    etag: str = ""
    last_modified: str = ""
    titles: list[str] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # absolute targets, fragments dropped
    images: list[str] = field(default_factory=list)  # absolute sources ("" for none)
    mixed: list[str] = field(default_factory=list)  # http:// assets, as written
    # `<meta name="robots" content="noindex">`: nobody's search result (sign-in, cart...), so
    # its description is not checked.
    noindex: bool = False
    # `<link rel="canonical" href>`, made absolute: a page naming another URL as its canonical
    # one (a sorted listing, an address with a tracking query) says it is a copy of that page, so
    # its title and description are not reported as duplicates of it.
    canonical: str = ""

    @property
    def is_page(self) -> bool:
        return self.kind == "text/html" and 0 < self.status < 400

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", [])}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PageFacts:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})  # type: ignore[arg-type]


@dataclass
class Report:
    faults: list[Fault] = field(default_factory=list)
    pages: int = 0
    external_links: set[str] = field(default_factory=set)
    seconds: float = 0.0
    # Every internal URL fetched (pages and images) -> its facts, for the next crawl.
    facts: dict[str, PageFacts] = field(default_factory=dict)
    reused: int = 0  # URLs answered 304: facts reused, nothing downloaded or parsed


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.images: list[str] = []
        self.assets: list[str] = []  # scripts, stylesheets, frames, media: mixed-content check
        self.titles: list[str] = []
        self.descriptions: list[str] = []
        self.noindex = False
        self.canonical = ""
        self._in_title = False
        self._title: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "img":
            self.images.append(a.get("src", ""))
        elif tag == "title":
            self._in_title = True
            self._title = []
        elif tag == "meta" and a.get("name", "").lower() == "description":
            self.descriptions.append(a.get("content", ""))
        elif tag == "meta" and a.get("name", "").lower() == "robots":
            self.noindex = self.noindex or "noindex" in a.get("content", "").lower()
        elif tag in ("script", "iframe", "audio", "video", "source") and a.get("src"):
            self.assets.append(a["src"])
        elif tag == "link" and a.get("href"):
            rel = a.get("rel", "").lower().split()
            if "stylesheet" in rel:
                self.assets.append(a["href"])
            elif "canonical" in rel and not self.canonical:
                self.canonical = a["href"].strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self.titles.append("".join(self._title).strip())

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)


class _KeepNoCookies(DefaultCookiePolicy):
    def set_ok(self, cookie: Cookie, request: Any) -> bool:
        return False


def _no_cookies() -> CookieJar:
    """A cookie jar that keeps nothing."""
    return CookieJar(policy=_KeepNoCookies())


def _normal(url: str) -> str:
    return urldefrag(url)[0]


class Crawler:
    def __init__(
        self,
        start: Iterable[str],
        settings: Settings | None = None,
        known_pages: Iterable[str] = (),
        client: httpx.AsyncClient | None = None,
        previous: Mapping[str, PageFacts] | None = None,
    ) -> None:
        self.start = [_normal(u) for u in start]
        self.settings = settings or Settings()
        first = urlsplit(self.start[0])
        self.origin = f"{first.scheme}://{first.netloc}"
        self.https = (
            self.settings.https_site
            if self.settings.https_site is not None
            else first.scheme == "https"
        )
        self.known_pages = {_normal(urljoin(self.origin + "/", u)) for u in known_pages}
        self.client = client
        self.previous: Mapping[str, PageFacts] = previous or {}
        self.report = Report()
        self._status: dict[str, tuple[int, str, float]] = {}  # url -> (status, type, ms)
        self._linked_from: dict[str, list[str]] = defaultdict(list)
        self._images_on: dict[str, list[str]] = defaultdict(list)
        self._titles: dict[str, list[str]] = defaultdict(list)
        self._descriptions: dict[str, list[str]] = defaultdict(list)
        # Pages not compared for duplicates: a copy (its canonical URL is another page) or a
        # page in no search result (noindex: `/login/?next=…` is rightly titled as `/login/`).
        self._not_compared: set[str] = set()
        self._queued: set[str] = set()
        self._queue: asyncio.Queue[str] = asyncio.Queue()

    def is_internal(self, url: str) -> bool:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" == self.origin

    async def run(self) -> Report:
        began = time.perf_counter()
        own_client = self.client is None
        client = self.client or httpx.AsyncClient(
            timeout=self.settings.timeout,
            follow_redirects=True,
            limits=httpx.Limits(max_connections=self.settings.concurrency),
            # No cookies kept: every request is a first-time visitor's, whose pages the store
            # shares and can answer with a 304 from one crawl to the next.
            cookies=_no_cookies(),
        )
        try:
            for url in self.start:
                self._enqueue(url)
            workers = [
                asyncio.create_task(self._worker(client)) for _ in range(self.settings.concurrency)
            ]
            await self._queue.join()
            for worker in workers:
                worker.cancel()
            await self._check_images(client)
            await self._check_external(client)
        finally:
            if own_client:
                await client.aclose()
        self._collect_faults()
        self.report.pages = len(self._titles)  # HTML pages parsed
        self.report.seconds = time.perf_counter() - began
        return self.report

    def _enqueue(self, url: str) -> None:
        if url not in self._queued and len(self._queued) < self.settings.max_pages:
            self._queued.add(url)
            self._queue.put_nowait(url)

    async def _worker(self, client: httpx.AsyncClient) -> None:
        while True:
            url = await self._queue.get()
            try:
                await self._visit(client, url)
                if self.settings.pause > 0:
                    await asyncio.sleep(self.settings.pause)
            finally:
                self._queue.task_done()

    async def _fetch(self, client: httpx.AsyncClient, url: str) -> PageFacts:
        """Fetch `url` (conditionally when the last crawl left validators): its facts, parsed
        from a full answer or the last crawl's own on a 304."""
        before = self.previous.get(url)
        headers = {}
        if self.settings.cookie and self.is_internal(url):
            headers["Cookie"] = self.settings.cookie
        if before is not None and 0 < before.status < 400:
            if before.etag:
                headers["If-None-Match"] = before.etag
            if before.last_modified:
                headers["If-Modified-Since"] = before.last_modified
        try:
            response = await client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            return PageFacts(0, type(exc).__name__, 0.0)
        conditional = "If-None-Match" in headers or "If-Modified-Since" in headers
        if response.status_code == 304 and before is not None and conditional:
            self.report.reused += 1
            return before
        # Request sent → response read (httpx's own clock), not the time spent queued here.
        ms = response.elapsed.total_seconds() * 1000
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        facts = PageFacts(
            response.status_code,
            kind,
            ms,
            etag=response.headers.get("etag", ""),
            last_modified=response.headers.get("last-modified", ""),
        )
        if facts.is_page:
            self._parse(url, response.text, facts)
        return facts

    def _parse(self, url: str, body: str, facts: PageFacts) -> None:
        parser = _PageParser()
        parser.feed(body)
        facts.titles = parser.titles
        facts.descriptions = parser.descriptions
        facts.noindex = parser.noindex
        if parser.canonical:
            facts.canonical = _normal(urljoin(url, parser.canonical))
        for href in parser.links:
            if href.startswith(("mailto:", "tel:", "javascript:", "#")) or not href.strip():
                continue
            target = _normal(urljoin(url, href.strip()))
            if target.startswith(("http://", "https://")):
                facts.links.append(target)
        facts.images = [
            _normal(urljoin(url, src.strip())) if src.strip() else "" for src in parser.images
        ]
        facts.mixed = [
            asset.strip()
            for asset in [*parser.images, *parser.assets]
            if asset.strip().lower().startswith("http://")
        ]

    async def _visit(self, client: httpx.AsyncClient, url: str) -> None:
        facts = await self._fetch(client, url)
        self._record(url, facts)
        if not facts.is_page:
            return
        self._titles[url] = facts.titles
        if facts.noindex:
            self._not_compared.add(url)
        else:
            self._descriptions[url] = facts.descriptions
        if facts.canonical and facts.canonical != url:
            self._not_compared.add(url)
            if self.is_internal(facts.canonical):
                # Search engines follow it: it is checked like a link (a 404 there is a fault).
                self._linked_from[facts.canonical].append(url)
                self._enqueue(facts.canonical)
        for target in facts.links:
            self._linked_from[target].append(url)
            if self.is_internal(target):
                self._enqueue(target)
            else:
                self.report.external_links.add(target)
        for target in facts.images:
            self._images_on[target].append(url)
        if self.https:
            for asset in facts.mixed:
                self.report.faults.append(Fault(Kind.MIXED_CONTENT, asset, url))

    def _record(self, url: str, facts: PageFacts) -> None:
        self._status[url] = (facts.status, facts.kind, facts.ms)
        if self.is_internal(url):
            self.report.facts[url] = facts

    async def _check_images(self, client: httpx.AsyncClient) -> None:
        targets = [u for u in self._images_on if u and u not in self._status and self._may_fetch(u)]
        semaphore = asyncio.Semaphore(self.settings.concurrency)

        async def one(url: str) -> None:
            async with semaphore:
                self._record(url, await self._fetch(client, url))
                if self.settings.pause > 0 and self.is_internal(url):
                    await asyncio.sleep(self.settings.pause)

        await asyncio.gather(*(one(u) for u in targets))

    def _may_fetch(self, url: str) -> bool:
        if self.is_internal(url):
            return True
        if not self.settings.fetch_external:
            return False
        allow = self.settings.external_allow
        return "*" in allow or (urlsplit(url).hostname or "") in allow

    async def _check_external(self, client: httpx.AsyncClient) -> None:
        targets = [u for u in self.report.external_links if self._may_fetch(u)]
        semaphore = asyncio.Semaphore(self.settings.concurrency)

        async def one(url: str) -> None:
            async with semaphore:
                try:
                    response = await client.head(url)
                    if response.status_code in (405, 501):
                        response = await client.get(url)
                    self._status[url] = (response.status_code, "", 0.0)
                except httpx.HTTPError as exc:
                    self._status[url] = (0, type(exc).__name__, 0.0)

        await asyncio.gather(*(one(u) for u in targets))

    def _collect_faults(self) -> None:
        faults = self.report.faults
        for target, sources in self._linked_from.items():
            status, detail, _ms = self._status.get(target, (None, "", 0.0))
            if status is None or (0 < status < 400):
                continue
            kind = Kind.BROKEN_LINK if self.is_internal(target) else Kind.BROKEN_EXTERNAL
            for source in sorted(set(sources)):
                faults.append(Fault(kind, target, source, str(status or detail)))
        for target, pages in self._images_on.items():
            for page in sorted(set(pages)):
                if not target:
                    faults.append(Fault(Kind.MISSING_IMAGE, "", page, "no src"))
                    continue
                status, kind, _ms = self._status.get(target, (None, "", 0.0))
                if status is None:
                    continue
                if status == 0 or status >= 400:
                    faults.append(Fault(Kind.MISSING_IMAGE, target, page, str(status or kind)))
                elif not kind.startswith("image/"):
                    faults.append(Fault(Kind.BROKEN_IMAGE, target, page, kind or "no type"))
        self._text_faults(
            self._titles,
            TITLE_MAX,
            (Kind.MISSING_TITLE, Kind.EMPTY_TITLE, Kind.LONG_TITLE, Kind.DUPLICATE_TITLE),
        )
        self._text_faults(
            self._descriptions,
            DESCRIPTION_MAX,
            (
                Kind.MISSING_DESCRIPTION,
                Kind.EMPTY_DESCRIPTION,
                Kind.LONG_DESCRIPTION,
                Kind.DUPLICATE_DESCRIPTION,
            ),
        )
        for url, (status, kind, ms) in self._status.items():
            if kind == "text/html" and 0 < status < 400 and ms > self.settings.slow_ms:
                faults.append(Fault(Kind.SLOW_PAGE, url, "", f"{ms:.0f} ms"))
        linked = set(self._linked_from)
        for url in sorted(self.known_pages - linked - set(self.start)):
            faults.append(Fault(Kind.ORPHAN_PAGE, url))

    def _text_faults(
        self, texts: dict[str, list[str]], limit: int, kinds: tuple[str, str, str, str]
    ) -> None:
        missing, empty, long, duplicate = kinds
        seen: dict[str, list[str]] = defaultdict(list)
        for url, values in texts.items():
            if not values:
                self.report.faults.append(Fault(missing, url))
                continue
            value = values[0]
            if not value.strip():
                self.report.faults.append(Fault(empty, url))
                continue
            if len(value) > limit:
                self.report.faults.append(Fault(long, url, "", f"{len(value)} characters"))
            if url not in self._not_compared:
                seen[value.strip()].append(url)
        for value, urls in seen.items():
            if len(urls) > 1:
                first = sorted(urls)[0]
                for url in sorted(urls)[1:]:
                    self.report.faults.append(Fault(duplicate, url, first, value[:200]))


def crawl(
    start: Iterable[str],
    settings: Settings | None = None,
    known_pages: Iterable[str] = (),
    previous: Mapping[str, PageFacts] | None = None,
) -> Report:
    return run_crawler(Crawler(start, settings, known_pages, previous=previous))


def run_crawler(crawler: Crawler) -> Report:
    """Run a crawl to its end from synchronous code. A thread that already runs an event loop
    (an ASGI server's, a browser driver's) cannot start another, so the crawl then gets a
    thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(crawler.run())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, crawler.run()).result()
