"""The store's p95 while the site checker crawls it (issue 22's measure: the checker must not
slow the store's p95 by more than 20 %).

The store (gunicorn, 2 workers x 2 threads, with `bench/run.sh`'s `bench.settings_bench`) holds
the 10,000-product benchmark catalogue, so the crawler meets a real 10,000-page store: home,
category listings with their pages, product pages. Shopper traffic is an open loop at a fixed
rate (home, category listings and product pages, a bounded number of requests, loopback only);
each request's latency counts from the moment it was due, so a queue behind the crawler shows.

Phases, one after the other: warm-up of the shoppers' pages; shoppers alone ("before"); shoppers
while the checker crawls the store (the crawl runs in its own process, with the politeness
settings given); shoppers alone again ("after"). Prints each phase's p50/p95/p99, the crawl's
pages and duration, the wall and CPU time of store, crawler and load, and the load average.

    # once: migrate and load the catalogue into the database (a few minutes)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_h32 \\
        .venv/bin/python bench/checker/store_p95.py --prepare
    # the measure (3-4 minutes); --concurrency/--pause-ms default to production's defaults
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_h32 \\
        .venv/bin/python bench/checker/store_p95.py [--port 8320] [--rate 20] [--seconds 20]
        [--concurrency 1] [--pause-ms 0] [--pages 10000] [--crawl-max-s 120]

Not part of `make test`; figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import pickle
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rapport.content.checker.crawler import Crawler, Settings, run_crawler  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
DEFAULT_CONCURRENCY = 1  # RAPPORT_CHECKER_CONCURRENCY's default
DEFAULT_PAUSE_MS = 5  # RAPPORT_CHECKER_PAUSE_MS's default


def progress(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def fetch(url: str) -> bytes:
    return urllib.request.urlopen(url, timeout=60).read()  # noqa: S310 - loopback only


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def environment(port: int, var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
    env.setdefault("RAPPORT_VAR_DIR", var_dir)
    env.setdefault("RAPPORT_SITE_URL", f"http://127.0.0.1:{port}")
    env["PYTHONWARNINGS"] = "ignore"
    return env


def prepare(env: dict[str, str], pools: Path) -> None:
    """Migrate, load the catalogue (writing the URL pools) and set up the content tree (News,
    Stories: the store's menu links to both sections)."""
    python = str(ROOT / ".venv/bin/python")
    pools.mkdir(parents=True, exist_ok=True)
    for command in (
        ["migrate", "--no-input", "-v", "0"],
        ["load_bench_catalogue", "--export", str(pools)],
        ["setup_content"],
    ):
        # S603: our own venv's manage.py with fixed arguments.
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True)  # noqa: S603


# --- CPU time of a process tree (from /proc) --------------------------------------------------


def tree_cpu(pid: int) -> float:
    """User + system seconds of `pid` and its live children (gunicorn's master and workers)."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


# --- shopper traffic: an open loop at a fixed rate ---------------------------------------------


def shoppers(
    base: str, paths: list[str], rate: float, seconds: float, seed: int, out: Connection
) -> None:
    """Send `rate` requests a second for `seconds` (or until told to stop over `out`); send back
    the latencies (ms, from the moment each request was due) and the errors."""
    import httpx

    async def run() -> tuple[list[float], int, float]:
        rng = random.Random(seed)
        latencies: list[float] = []
        errors = 0
        total = int(rate * seconds)
        # A new connection per request, closed after it, like a browser's first visit to a
        # sync worker (which closes every connection anyway): no idle kept-alive sockets.
        async with httpx.AsyncClient(
            base_url=base,
            timeout=60.0,
            headers={"Connection": "close"},
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=0),
        ) as client:

            async def one(due: float, path: str) -> None:
                nonlocal errors
                try:
                    response = await client.get(path)
                    if response.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append((time.perf_counter() - due) * 1000)

            began = time.perf_counter()
            tasks = []
            for i in range(total):
                due = began + i / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                if out.poll():  # told to stop (the crawl ended)
                    break
                tasks.append(asyncio.create_task(one(due, rng.choice(paths))))
            await asyncio.gather(*tasks)
        return latencies, errors, time.process_time()

    out.send(asyncio.run(run()))


class BoundedCrawler(Crawler):
    """The checker's crawler that fetches no page after `deadline` (a benchmark bound: on a
    loaded machine the crawl stops there and reports how far it got)."""

    deadline = float("inf")

    def _enqueue(self, url: str) -> None:
        if time.perf_counter() < self.deadline:
            super()._enqueue(url)

    async def _visit(self, client: Any, url: str) -> None:
        if time.perf_counter() < self.deadline:  # past it: the queue drains without fetching
            await super()._visit(client, url)


def crawl_process(
    base: str,
    concurrency: int,
    pause: float,
    pages: int,
    max_s: float,
    out: Connection,
    facts_in: str = "",
    facts_out: str = "",
) -> None:
    """One crawl; with `facts_in` a re-crawl from the facts an earlier crawl left there (the
    checker's `CheckedPage` rows, here a pickle), and with `facts_out` it leaves its own."""
    previous = pickle.loads(Path(facts_in).read_bytes()) if facts_in else {}  # noqa: S301
    # One CSRF cookie on every crawl, as the checker's service sends (`crawler_csrf_secret`): the
    # store gives a validator only to a visitor who has one.
    settings = Settings(
        concurrency=concurrency,
        pause=pause,
        max_pages=pages,
        timeout=60.0,
        cookie="csrftoken=" + "k" * 32,
    )
    cpu0 = time.process_time()
    began = time.perf_counter()
    crawler = BoundedCrawler([base + "/"], settings, previous=previous)
    crawler.deadline = began + max_s
    report = run_crawler(crawler)
    seconds = time.perf_counter() - began
    cpu = time.process_time() - cpu0  # the crawl's own, not the interpreter's start-up
    if facts_out:
        Path(facts_out).write_bytes(pickle.dumps(report.facts))
    kinds: dict[str, int] = {}
    for fault in report.faults:
        kinds[fault.kind] = kinds.get(fault.kind, 0) + 1
    out.send((report.pages, seconds, cpu, kinds, report.reused, len(report.facts)))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def phase(
    name: str,
    base: str,
    paths: list[str],
    args: argparse.Namespace,
    store_pid: int,
    *,
    crawl: bool = False,
    seed: int = 1,
    facts_in: str = "",
) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    load_end, load_out = ctx.Pipe()
    seconds = args.seconds if not crawl else 3600.0  # during a crawl: until the crawl ends
    load_proc = ctx.Process(
        target=shoppers, args=(base, paths, args.rate, seconds, seed, load_out), daemon=True
    )
    la_start, cpu_start, began = loadavg(), tree_cpu(store_pid), time.perf_counter()
    load_proc.start()
    progress(f"phase {name}")
    result: dict[str, Any] = {"phase": name}
    if crawl:
        crawl_end, crawl_out = ctx.Pipe()
        crawler = ctx.Process(
            target=crawl_process,
            args=(
                base,
                args.concurrency,
                args.pause_ms / 1000,
                args.pages,
                args.crawl_max_s,
                crawl_out,
                facts_in,
            ),
            daemon=True,
        )
        crawler.start()
        pages, crawl_seconds, crawl_cpu, kinds, reused, urls = crawl_end.recv()
        crawler.join()
        load_end.send("stop")
        result.update(
            pages=pages,
            crawl_s=crawl_seconds,
            crawl_cpu_s=crawl_cpu,
            faults=kinds,
            reused=reused,
            urls=urls,
        )
    latencies, errors, load_cpu = load_end.recv()
    load_proc.join()
    result.update(
        wall_s=time.perf_counter() - began,
        store_cpu_s=tree_cpu(store_pid) - cpu_start,
        load_cpu_s=load_cpu,
        loadavg=f"{la_start} → {loadavg()}",
        requests=len(latencies),
        errors=errors,
        p50=percentile(latencies, 50),
        p95=percentile(latencies, 95),
        p99=percentile(latencies, 99),
    )
    return result


def first_crawl(base: str, args: argparse.Namespace, store_pid: int, facts: str) -> dict[str, Any]:
    """The full first crawl, no shoppers: every page downloaded, rendered and parsed; its facts
    are left in `facts` for the measured re-crawl."""
    ctx = multiprocessing.get_context("spawn")
    crawl_end, crawl_out = ctx.Pipe()
    progress("first crawl")
    la_start, cpu_start = loadavg(), tree_cpu(store_pid)
    crawler = ctx.Process(
        target=crawl_process,
        args=(base, args.first_concurrency, 0.0, args.pages, args.first_max_s, crawl_out),
        kwargs={"facts_out": facts},
        daemon=True,
    )
    crawler.start()
    pages, seconds, cpu, kinds, _reused, urls = crawl_end.recv()
    crawler.join()
    return {
        "pages": pages,
        "urls": urls,
        "crawl_s": seconds,
        "crawl_cpu_s": cpu,
        "faults": kinds,
        "store_cpu_s": tree_cpu(store_pid) - cpu_start,
        "loadavg": f"{la_start} → {loadavg()}",
    }


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, fixed arguments
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            # gthread: an idle or slow client connection never holds a whole worker (with
            # sync workers on this loaded machine both workers were found blocked reading
            # connections that sent nothing for 120 s).
            "--worker-class",
            "gthread",
            "--threads",
            "2",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "--error-logfile",
            str(log),
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"the store did not start; see {log}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prepare", action="store_true", help="migrate and load the catalogue")
    parser.add_argument("--port", type=int, default=8320)
    parser.add_argument("--var-dir", default="/tmp/rapport-checker-bench")  # noqa: S108
    parser.add_argument("--rate", type=float, default=20.0, help="shopper requests a second")
    parser.add_argument("--seconds", type=float, default=20.0, help="each quiet phase")
    parser.add_argument("--products", type=int, default=300, help="product pages shoppers visit")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--pause-ms", type=float, default=DEFAULT_PAUSE_MS)
    parser.add_argument("--pages", type=int, default=10_000, help="the crawl's page limit")
    parser.add_argument("--crawl-max-s", type=float, default=120.0, help="fetch no page after this")
    parser.add_argument(
        "--recrawl",
        action="store_true",
        help="first a full crawl without shoppers (timed on its own), then measure a re-crawl "
        "that reuses its facts (conditional requests) with shoppers before, during and after",
    )
    parser.add_argument("--first-concurrency", type=int, default=4, help="the first crawl's")
    parser.add_argument("--first-max-s", type=float, default=1800.0, help="the first crawl's")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        print("Set DATABASE_URL (PostgreSQL) to the benchmark database.", file=sys.stderr)
        return 2
    env = environment(args.port, args.var_dir)
    pools = Path(args.var_dir) / "pools"
    Path(args.var_dir).mkdir(parents=True, exist_ok=True)
    if args.prepare:
        prepare(env, pools)
        return 0
    products = (pools / "products.txt").read_text().split()
    categories = (pools / "categories.txt").read_text().split()
    rng = random.Random(42)
    chosen = rng.sample(products, min(args.products, len(products)))
    # Weights as the storefront scenario's page mix: home, listings, product pages.
    paths = ["/"] * 20 + categories + chosen
    base = f"http://127.0.0.1:{args.port}"

    server = serve(env, args.port, Path(args.var_dir) / "gunicorn.log")
    wall0, cpu0 = time.perf_counter(), time.process_time()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:  # warm-up: every shopper page once
            list(pool.map(lambda path: fetch(base + path), dict.fromkeys(paths)))
        progress("warmed up")
        facts = str(Path(args.var_dir) / "facts.pickle")
        first = first_crawl(base, args, server.pid, facts) if args.recrawl else None
        results = [
            phase("before", base, paths, args, server.pid, seed=1),
            phase(
                "crawl",
                base,
                paths,
                args,
                server.pid,
                crawl=True,
                seed=2,
                facts_in=facts if args.recrawl else "",
            ),
            phase("after", base, paths, args, server.pid, seed=3),
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"store: gunicorn 2 gthread workers x 2 threads on :{args.port}; "
        f"shoppers {args.rate:g}/s over "
        f"{len(paths)} paths (home, {len(categories)} listings, {len(chosen)} products); "
        f"crawler concurrency {args.concurrency}, pause {args.pause_ms:g} ms, limit {args.pages}"
    )
    for r in results:
        print(
            f"  {r['phase']:<7} {r['requests']:>5} requests ({r['errors']} errors)  "
            f"p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  p99 {r['p99']:7.1f} ms  "
            f"wall {r['wall_s']:6.1f} s  store CPU {r['store_cpu_s']:6.1f} s  "
            f"load CPU {r['load_cpu_s']:5.1f} s  loadavg {r['loadavg']}"
        )
    if first is not None:
        print(
            f"  first crawl (no shoppers, concurrency {args.first_concurrency}): "
            f"{first['pages']} pages, {first['urls']} URLs in {first['crawl_s']:.1f} s, "
            f"crawler CPU {first['crawl_cpu_s']:.1f} s, store CPU {first['store_cpu_s']:.1f} s, "
            f"loadavg {first['loadavg']}; faults {first['faults']}"
        )
    crawl = results[1]
    print(
        f"  {'re-crawl' if first else 'crawl'}: {crawl['pages']} pages, {crawl['urls']} URLs "
        f"({crawl['reused']} answered 304) in {crawl['crawl_s']:.1f} s "
        f"({crawl['pages'] / crawl['crawl_s']:.0f} pages/s), "
        f"crawler CPU {crawl['crawl_cpu_s']:.1f} s; "
        f"faults {crawl['faults']}"
    )
    quiet = max(results[0]["p95"], results[2]["p95"])
    slower = crawl["p95"] / quiet - 1
    print(
        f"  p95 during the crawl vs the slower quiet phase: {slower:+.0%} (goal ≤ +20 %); "
        f"crawl {crawl['crawl_s']:.0f} s (goal ≤ 120 s)"
    )
    print(
        f"  bench wall {time.perf_counter() - wall0:.0f} s, bench process CPU "
        f"{time.process_time() - cpu0:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
