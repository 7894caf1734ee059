"""The site checker's findings on the 10,000-page benchmark store: one first crawl (4
connections, no pause) and its faults counted by kind, with examples of each duplicate kind.

    # once, as for store_p95.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
        .venv/bin/python bench/checker/store_p95.py --var-dir /tmp/checker-bench --prepare
    # empty the page cache first when comparing two trees on one database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
        .venv/bin/python bench/checker/faults.py --var-dir /tmp/checker-bench [--port 8330]

Not part of `make test`; figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import store_p95  # noqa: E402

from rapport.content.checker.crawler import Crawler, Kind, Settings, run_crawler  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8330)
    parser.add_argument("--var-dir", default="/tmp/rapport-checker-bench")  # noqa: S108
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--examples", type=int, default=8)
    args = parser.parse_args()
    env = store_p95.environment(args.port, args.var_dir)
    server = store_p95.serve(env, args.port, Path(args.var_dir) / "gunicorn.log")
    base = f"http://127.0.0.1:{args.port}"
    try:
        settings = Settings(
            concurrency=4,
            pause=0.0,
            max_pages=args.pages,
            timeout=60.0,
            cookie="csrftoken=" + "k" * 32,  # as the checker's service sends
        )
        began = time.perf_counter()
        report = run_crawler(Crawler([base + "/"], settings))
        seconds = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait()
    print(f"{report.pages} pages, {len(report.facts)} URLs in {seconds:.1f} s")
    kinds = collections.Counter(fault.kind for fault in report.faults)
    for kind, count in sorted(kinds.items()):
        print(f"{kind}: {count}")
    for kind in (Kind.DUPLICATE_TITLE, Kind.DUPLICATE_DESCRIPTION):
        for fault in [f for f in report.faults if f.kind == kind][: args.examples]:
            url, first = fault.url.removeprefix(base), fault.found_on.removeprefix(base)
            print(f"  {kind}: {url} = {first} | {fault.detail[:70]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
