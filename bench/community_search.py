"""Community Q&A search latency with 10,000 questions (PostgreSQL full-text search, or the
SQLite fallback). Not part of the tests.

    # once: build the data into a database of its own (kept there for reruns)
    DATABASE_URL=postgres://…/rapport_bench_h37 DEBUG=1 \
        .venv/bin/python bench/community_search.py seed [N]
    # each measurement (about a minute)
    DATABASE_URL=postgres://…/rapport_bench_h37 DEBUG=1 \
        .venv/bin/python bench/community_search.py run [SEARCHES]

`seed` migrates, deletes earlier bench questions (those with author_name "bench") and
creates N (default 10,000) questions under the seeded topics: the title is a customer request
of the Bitext LLM support set (training side of the hash split), sometimes followed by a
second request as details; 70% get one to three answers built from the set's responses (first
two sentences, placeholders filled in) or the Kaggle e-commerce FAQ answers; a third of the
answered ones have an accepted answer; 2% of questions and 3% of answers are hidden.
The stored search vectors are then computed in one statement.

`run` times SEARCHES (default 200) calls of `rapport.community.queries.search_questions`:
a quarter the first 3-6 words of held-out Bitext requests, a quarter whole held-out requests,
a quarter one or two shop words ("refund", "gift wrap", "invoice"), a quarter FAQ questions
and words that match nothing. Prints one JSON object: p50/p95/p99/max in ms (wall), the total
wall and CPU (process) time of the timed loop, the 1-minute load average before and after,
and (PostgreSQL) p50/p95 of the database's own planning + execution time of the same queries
(EXPLAIN ANALYZE, run after the timed loop).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

TOPICS = {
    "delivery": {
        "delivery_options",
        "delivery_period",
        "track_order",
        "change_shipping_address",
        "set_up_shipping_address",
    },
    "returns": {"get_refund", "track_refund", "check_refund_policy", "cancel_order"},
    "gifts": {"place_order", "change_order", "check_payment_methods", "payment_issue"},
    "wholesale": {"check_invoice", "get_invoice", "check_cancellation_fee"},
}
PLACEHOLDERS = {
    "Order Number": "R251206-K7M2PQ",
    "Invoice Number": "INV-2041",
    "Online Company Portal Info": "My account",
    "Online Order Interaction": "Orders",
    "Customer Support Hours": "9:00 to 18:00",
    "Customer Support Phone Number": "020 7946 0000",
    "Website URL": "our website",
}
SHOP_WORDS = [
    "refund",
    "gift wrap",
    "invoice",
    "delivery time",
    "tracking number",
    "cancel",
    "wholesale price",
    "lantern",
    "shipping address",
    "payment failed",
    "voucher",
    "password",
    "newsletter",
    "return label",
    "damaged parcel",
    "express delivery",
]
NOTHING = ["submarine", "xylophone quartz", "zebra crossing", "photosynthesis"]


def read_llm_rows() -> list[dict[str, str]]:
    from django.conf import settings

    path = Path(settings.RAPPORT_DATA_DIR) / "bitext_support" / "customer_support_llm.csv.gz"
    text = gzip.decompress(path.read_bytes()).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def read_faq() -> list[dict[str, str]]:
    from django.conf import settings

    path = Path(settings.RAPPORT_DATA_DIR) / "ecommerce_faq" / "ecommerce_faq_chatbot.csv.gz"
    return list(csv.DictReader(io.StringIO(gzip.decompress(path.read_bytes()).decode())))


def short_answer(response: str) -> str:
    def fill(match: re.Match[str]) -> str:
        return PLACEHOLDERS.get(match.group(1).strip(), "your account")

    text = re.sub(r"\{\{([^}]*)\}\}", fill, response)
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return " ".join(sentences[:2])[:500]


def split(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    from rapport.support.intents.data import text_key

    cut = int(0.2 * 0xFFFF)
    train, held = [], []
    for row in rows:
        (held if int(text_key(row["instruction"])[:4], 16) < cut else train).append(row)
    return train, held


def seed(n: int) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from rapport.community.models import Answer, Question, Topic
    from rapport.community.services import refresh_search_vector

    call_command("migrate", verbosity=0)
    rng = random.Random(23)
    train, _held = split(read_llm_rows())
    faq = read_faq()
    topics = {t.slug: t for t in Topic.objects.all()}
    other = topics.get("care") or next(iter(topics.values()))
    topic_of = {intent: topics[slug] for slug, intents in TOPICS.items() for intent in intents}
    started = time.monotonic()
    Question.objects.filter(author_name="bench").delete()
    now = timezone.now()
    questions = []
    for _ in range(n):
        row = rng.choice(train)
        body = rng.choice(train)["instruction"] if rng.random() < 0.3 else ""
        questions.append(
            Question(
                topic=topic_of.get(row["intent"], other),
                author_name="bench",
                title=row["instruction"][:200],
                body=body,
                is_hidden=rng.random() < 0.02,
                created_at=now,
            )
        )
    Question.objects.bulk_create(questions, batch_size=1000)
    answers = []
    for question in questions:
        if rng.random() >= 0.7:
            continue
        for _ in range(rng.choice((1, 1, 2, 3))):
            if rng.random() < 0.1:
                body = rng.choice(faq)["answer"]
            else:
                body = short_answer(rng.choice(train)["response"])
            answers.append(
                Answer(
                    question=question,
                    author_name="bench",
                    by_staff=rng.random() < 0.2,
                    body=body,
                    votes=rng.randrange(0, 6),
                    is_hidden=rng.random() < 0.03,
                )
            )
    Answer.objects.bulk_create(answers, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE community_question q SET answer_count = s.n FROM (
                SELECT question_id, count(*) AS n FROM community_answer
                WHERE NOT is_hidden GROUP BY question_id) s
            WHERE s.question_id = q.id AND q.author_name = 'bench'
            """
        )
        cursor.execute(
            """
            UPDATE community_question q SET accepted_answer_id = (
                SELECT min(a.id) FROM community_answer a
                WHERE a.question_id = q.id AND NOT a.is_hidden)
            WHERE q.author_name = 'bench' AND q.answer_count > 0 AND q.id % 3 = 0
            """
        )
    refresh_search_vector()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE community_question")
            cursor.execute("VACUUM ANALYZE community_answer")
    print(
        json.dumps(
            {
                "questions": Question.objects.count(),
                "answers": Answer.objects.count(),
                "seconds": round(time.monotonic() - started, 1),
            }
        )
    )


def search_terms(count: int) -> list[str]:
    rng = random.Random(37)
    _train, held = split(read_llm_rows())
    faq = read_faq()
    terms = []
    for i in range(count):
        kind = i % 4
        if kind == 0:
            words = rng.choice(held)["instruction"].split()
            terms.append(" ".join(words[: rng.randint(3, 6)]))
        elif kind == 1:
            terms.append(rng.choice(held)["instruction"])
        elif kind == 2:
            terms.append(" ".join(rng.sample(SHOP_WORDS, rng.choice((1, 1, 2)))))
        else:
            terms.append(rng.choice(faq)["question"] if i % 8 == 3 else rng.choice(NOTHING))
    return terms


def run(count: int) -> None:
    from django.db import connection

    from rapport.community.models import Question
    from rapport.community.queries import search_questions

    terms = search_terms(count)
    for term in terms[:20]:  # warm the connection, the caches and the plans
        search_questions(term)
    load_before = os.getloadavg()[0]
    timings, hits = [], 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for term in terms:
        t0 = time.perf_counter()
        found = search_questions(term)
        timings.append((time.perf_counter() - t0) * 1000)
        hits += bool(found)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    timings.sort()
    # The database's own time for the same queries (planning + execution, EXPLAIN ANALYZE):
    # on a loaded machine the wall time above is mostly waiting for a CPU.
    server = []
    if connection.vendor == "postgresql":
        from rapport.community.queries import postgres_search

        with connection.cursor() as cursor:
            for term in terms:
                sql, params = postgres_search(" ".join(term.split())[:200]).query.sql_with_params()
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0][0]
                server.append(plan["Planning Time"] + plan["Execution Time"])
        server.sort()
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "questions": Question.objects.count(),
                "searches": len(terms),
                "with_results": hits,
                "p50_ms": round(statistics.median(timings), 2),
                "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
                "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2),
                "max_ms": round(timings[-1], 2),
                "server_p50_ms": round(statistics.median(server), 2) if server else None,
                "server_p95_ms": round(server[int(len(server) * 0.95) - 1], 2) if server else None,
                "wall_s": round(wall, 2),
                "cpu_s": round(cpu, 2),
                "load_average_before": load_before,
                "load_average_after": os.getloadavg()[0],
            }
        )
    )


def main() -> None:
    import django

    django.setup()
    args = sys.argv[1:]
    mode = args[0] if args else "run"
    number = int(args[1]) if len(args) > 1 else 0
    if mode == "seed":
        seed(number or 10_000)
    elif mode == "run":
        run(number or 200)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
