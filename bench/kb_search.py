"""Knowledge-base search latency with 10,000 published articles (PostgreSQL full-text search,
or the SQLite fallback). Not part of the tests.

    DATABASE_URL=postgres://…/rapport_bench DEBUG=1 \
        .venv/bin/python bench/kb_search.py 10000 [S] [--keep] [--reuse]

Creates N articles in a category "bench-kb": title one Bitext customer request, text S more
(default 3). All are about the same 27 intents, so words repeat far more than in a real help
centre. Runs 500 searches whose words come from held-out customer requests, prints p50/p95/p99
in ms as one JSON object (wall time and this process's CPU time per search, the PostgreSQL
server's own execution time of the slowest queries, the load average), and deletes what it
created (unless --keep). --reuse keeps the articles a --keep run left (no rebuild).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from rapport.support.intents import data
    from rapport.support.knowledge import refresh_search_vector
    from rapport.support.models import Article, ArticleCategory, ArticleStatus
    from rapport.support.queries import search_articles

    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    # Sentences per article body: 3 is about an FAQ answer's length (~40 words).
    per_article = int(numbers[1]) if len(numbers) > 1 else 3
    n = int(numbers[0]) if numbers else 10_000
    call_command("migrate", verbosity=0)
    rng = random.Random(23)
    examples = data.read_all(data.shared_files())
    train, held_out = data.split_by_hash(examples)
    sentences = [e.text for e in train]
    category, _ = ArticleCategory.objects.get_or_create(slug="bench-kb", name="Bench")
    started = time.monotonic()
    reuse = "--reuse" in sys.argv and Article.objects.filter(category=category).count() == n
    if not reuse:
        Article.objects.filter(category=category).delete()
        Article.objects.bulk_create(
            [
                Article(
                    category=category,
                    slug=f"bench-kb-{i}",
                    title=rng.choice(sentences)[:200],
                    body=" ".join(rng.choice(sentences) for _ in range(per_article)),
                    status=ArticleStatus.PUBLISHED,
                )
                for i in range(n)
            ],
            batch_size=1000,
        )
        refresh_search_vector()
    else:  # the same random stream as a build, so the same queries follow
        for _i in range(n):
            rng.choice(sentences)
            for _ in range(per_article):
                rng.choice(sentences)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE support_article")
    print(f"{n} articles in {time.monotonic() - started:.1f}s", file=sys.stderr)
    queries = [" ".join(rng.choice(held_out).text.split()[:4]) for _ in range(500)]
    for q in queries[:20]:  # warm the cache and the plan
        search_articles(q)
    timings, cpu, hits = [], [], 0
    load_before = os.getloadavg()[0]
    for q in queries:
        t0, c0 = time.perf_counter(), time.process_time()
        found = search_articles(q)
        timings.append(((time.perf_counter() - t0) * 1000, q))
        cpu.append((time.process_time() - c0) * 1000)
        hits += bool(found)
    timings.sort()
    cpu.sort()
    server = {}
    if connection.vendor == "postgresql":
        # The server's own time for the five slowest queries (EXPLAIN ANALYZE, run again).
        from django.contrib.postgres.search import SearchQuery

        for _ms, q in timings[-5:]:
            search = SearchQuery(q, config="english", search_type="websearch")
            qs = Article.objects.filter(status=ArticleStatus.PUBLISHED, search_vector=search)
            plan = qs.order_by().values("pk")[:500].explain(analyze=True)
            executed = [line for line in plan.splitlines() if "Execution Time" in line]
            server[q] = executed[0].split(":")[1].strip() if executed else "?"
    result = {
        "vendor": connection.vendor,
        "sentences_per_article": per_article,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "reused": reuse,
        "articles": Article.objects.filter(status=ArticleStatus.PUBLISHED).count(),
        "searches": len(queries),
        "with_results": hits,
        "p50_ms": round(statistics.median(t for t, _q in timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1][0], 2),
        "p99_ms": round(timings[int(len(timings) * 0.99) - 1][0], 2),
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": round(cpu[int(len(cpu) * 0.95) - 1], 2),
        "slowest_server_matching": server,
    }
    if "--keep" not in sys.argv:
        Article.objects.filter(category=category).delete()
        category.delete()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
