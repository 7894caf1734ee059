"""Site checker benchmark: a planted copy of a store with 50 faults of every kind among N pages
(default 10,000), served on the loopback address by a threaded http.server; the checker must
find exactly the planted faults, and the crawl time is printed.

    .venv/bin/python bench/checker/run.py [--pages 10000] [--concurrency 16]

Not part of `make test`; figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from rapport.content.checker.crawler import Kind, Settings, crawl
from rapport.content.tests.planted import (
    Resource,
    image,
    make_server,
    page,
    serve,
)

PLANT = 50
LINKS_PER_PAGE = 4


def build(n: int, external: str) -> tuple[dict[str, Resource], list[str], Counter[str]]:
    """Pages /p/0/ … /p/{n-1}/ linked as a chain with skips; faults planted on separate pages."""
    site: dict[str, Resource] = {"/img/ok.png": image(), "/img/html.png": Resource(b"<html>")}
    expected: Counter[str] = Counter()
    kinds = [k for k in Kind.ALL if k != Kind.ORPHAN_PAGE]
    # Page i carries the fault kinds[(i // 2) % len] while i < 2 * PLANT * len(kinds) (every
    # other page, so duplicates can pair with their clean neighbour).
    planted: dict[int, str] = {}
    slot = 1
    for kind in kinds:
        for _ in range(PLANT):
            planted[slot] = kind
            slot += 2
    assert slot < n, "too few pages for the planted faults"
    for i in range(n):
        kind = planted.get(i, "")
        title, desc = f"Page {i}", f"About page {i}"
        extra = '<img src="/img/ok.png" alt="">'
        links = [f"/p/{j}/" for j in range(i + 1, min(n, i + 1 + LINKS_PER_PAGE))] + ["/p/0/"]
        if kind == Kind.BROKEN_LINK:
            links.append(f"/missing/{i}/")
        elif kind == Kind.BROKEN_EXTERNAL:
            links.append(f"{external}/gone/{i}")
        elif kind == Kind.MISSING_IMAGE:
            extra += f'<img src="/img/none-{i}.png">'
        elif kind == Kind.BROKEN_IMAGE:
            extra += '<img src="/img/html.png">'
        elif kind == Kind.MISSING_TITLE:
            title = None
        elif kind == Kind.EMPTY_TITLE:
            title = " "
        elif kind == Kind.DUPLICATE_TITLE:
            title = f"Page {i - 1}"
        elif kind == Kind.LONG_TITLE:
            title = f"Page {i} " + "with a very long title " * 4
        elif kind == Kind.MISSING_DESCRIPTION:
            desc = None
        elif kind == Kind.EMPTY_DESCRIPTION:
            desc = ""
        elif kind == Kind.DUPLICATE_DESCRIPTION:
            desc = f"About page {i - 1}"
        elif kind == Kind.LONG_DESCRIPTION:
            desc = f"About page {i} " + "x" * 170
        elif kind == Kind.MIXED_CONTENT:
            extra += f'<script src="http://cdn.example.test/{i}.js"></script>'
        body = extra + "".join(f'<a href="{u}">{u}</a>' for u in links)
        resource = page(title, desc, body)
        if kind == Kind.SLOW_PAGE:
            resource.delay = 2.5
        site[f"/p/{i}/"] = resource
        if kind:
            expected[kind] += 1
    orphans = [f"/orphan/{k}/" for k in range(PLANT)]
    for k, url in enumerate(orphans):
        site[url] = page(f"Orphan {k}", f"Orphan page {k}")
    expected[Kind.ORPHAN_PAGE] = PLANT
    site["/"] = site["/p/0/"]
    return site, orphans, expected


@contextlib.contextmanager
def serve_in_another_process(site: dict[str, Resource]) -> Iterator[str]:
    """The planted store in a forked process: it gets its own interpreter (and core), as a real
    store would, instead of sharing the crawler's."""
    server = make_server(site)
    port = server.server_address[1]
    child = multiprocessing.get_context("fork").Process(target=server.serve_forever, daemon=True)
    child.start()
    server.socket.close()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        child.terminate()
        child.join()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    external_site = {"/fine": page("Fine", "Fine")}
    with serve(external_site) as ext:
        site, orphans, expected = build(args.pages, ext)
        with serve_in_another_process(site) as url:
            settings = Settings(
                concurrency=args.concurrency,
                slow_ms=2000,
                https_site=True,
                fetch_external=True,
                external_allow=("127.0.0.1",),
            )
            began = time.perf_counter()
            report = crawl([url + "/p/0/"], settings, known_pages=orphans)
            seconds = time.perf_counter() - began
    found = Counter(f.kind for f in report.faults)
    print(
        f"pages crawled: {report.pages}  time: {seconds:.1f} s  "
        f"({report.pages / seconds:.0f} pages/s, concurrency {args.concurrency})"
    )
    for kind in Kind.ALL:
        print(f"  {kind:<22} planted {expected[kind]:>3}  found {found[kind]:>3}")
    ok = found == expected
    print("result:", "exactly the planted faults" if ok else "MISMATCH")
    return 0 if ok and seconds <= 120 else 1


if __name__ == "__main__":
    raise SystemExit(main())
