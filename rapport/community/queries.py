"""Community Q&A reads: topics, questions of a product or topic, a question's answers, search,
the moderation queue. Hidden content is left out of everything customers read."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from rapport.accounts.roles import is_employee
from rapport.catalog.models import Product
from rapport.community.models import Answer, AnswerVote, Question, Report, Topic

SEARCH_CONFIG = "english"
MAX_TERMS = 8
RANK_CANDIDATES = 200


def topics() -> list[Topic]:
    return list(Topic.objects.filter(is_active=True))


def visible_questions() -> QuerySet[Question]:
    return Question.objects.filter(is_hidden=False)


def _listing(questions: QuerySet[Question]) -> QuerySet[Question]:
    return questions.select_related("accepted_answer", "product", "topic").order_by(
        "-created_at", "-id"
    )


def questions_for_product(product: Product, *, limit: int = 10) -> list[Question]:
    """The newest visible questions about a product, each with its accepted answer."""
    return list(_listing(visible_questions().filter(product=product))[:limit])


def questions_for_topic(topic: Topic) -> QuerySet[Question]:
    return _listing(visible_questions().filter(topic=topic))


def recent_questions(*, limit: int = 10) -> list[Question]:
    return list(_listing(visible_questions())[:limit])


def answers_for(question: Question, viewer: Any = None) -> list[Answer]:
    """A question's answers for `viewer`: customers see visible ones, staff see all. The
    accepted answer first, then by votes. Each has `voted` (the viewer voted for it)."""
    answers = Answer.objects.filter(question=question)
    if not is_employee(viewer):
        answers = answers.filter(is_hidden=False)
    if getattr(viewer, "is_authenticated", False):
        answers = answers.annotate(
            voted=Exists(AnswerVote.objects.filter(answer=OuterRef("pk"), voter=viewer))
        )
    found = list(answers.order_by("-votes", "created_at", "id"))
    found.sort(key=lambda a: a.pk != question.accepted_answer_id)
    return found


def search_questions(query: str, *, limit: int = 20) -> list[Question]:
    """Visible questions whose title, details or visible answers match `query`, best first.

    PostgreSQL: full-text search (websearch syntax, English stemming) on the stored vector
    (title A, details B, answers C), GIN-indexed (migration 0002); only the first RANK_CANDIDATES
    matches found are ranked with ts_rank, so a query of common words costs bounded
    work. SQLite: every word in the title, details or an answer, titles first.
    """
    query = " ".join(query.split())[:200]
    if not query:
        return []
    if connection.vendor == "postgresql":
        return list(postgres_search(query, limit=limit))
    words = [w for w in query.split() if len(w) > 1][:MAX_TERMS] or query.split()[:1]
    matches = visible_questions()
    for word in words:
        matches = matches.filter(
            Q(title__icontains=word)
            | Q(body__icontains=word)
            | Q(answers__body__icontains=word, answers__is_hidden=False)
        )
    matches = matches.distinct()
    in_title = Q()
    for word in words:
        in_title &= Q(title__icontains=word)
    found = list(_listing(matches.filter(in_title))[:limit])
    if len(found) < limit:
        seen = [q.pk for q in found]
        found += list(_listing(matches.exclude(pk__in=seen))[: limit - len(found)])
    return found


def _open_reports_count(**where: Any) -> Any:
    from django.db.models import IntegerField, Subquery
    from django.db.models.functions import Coalesce

    counted = (
        Report.objects.filter(resolved_at__isnull=True, **where)
        .order_by()
        .values("resolved_at")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# The best `limit` of the first RANK_CANDIDATES visible matches. As a derived table with
# LIMITs the planner knows it yields few rows and fetches them by primary key, where an
# `id IN (<200 candidates>)` made it scan the whole table for a hash join.
_TOP_MATCHES = """
    SELECT c.id FROM (
        SELECT id, search_vector FROM community_question
        WHERE search_vector @@ websearch_to_tsquery(%s::regconfig, %s) AND NOT is_hidden
        LIMIT %s
    ) c
    ORDER BY ts_rank(c.search_vector, websearch_to_tsquery(%s::regconfig, %s)) DESC, c.id DESC
    LIMIT %s
"""


def postgres_search(query: str, *, limit: int = 20) -> QuerySet[Question]:
    """The PostgreSQL search of `search_questions` as one query (the benchmark explains it)."""
    from django.contrib.postgres.search import SearchQuery, SearchRank

    params = (SEARCH_CONFIG, query, RANK_CANDIDATES, SEARCH_CONFIG, query, limit)
    search = SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
    return (
        _listing(Question.objects.filter(pk__in=RawSQL(_TOP_MATCHES, params)))  # noqa: S611
        .annotate(rank=SearchRank(F("search_vector"), search))
        .order_by("-rank", "-id")
        .defer("search_vector")
    )


def moderation_queue(*, show: str = "reported") -> list[Question]:
    """Staff: questions with open reports (on the question or one of its answers), most
    reported first; or (`show="hidden"`) questions that are hidden or have hidden answers.
    Each has `open_reports`."""
    questions = Question.objects.annotate(
        open_reports=_open_reports_count(question=OuterRef("pk"))
        + _open_reports_count(answer__question=OuterRef("pk"))
    ).select_related("product", "topic")
    if show == "hidden":
        hidden_answer = Answer.objects.filter(question=OuterRef("pk"), is_hidden=True)
        chosen = questions.filter(Q(is_hidden=True) | Exists(hidden_answer))
        return list(chosen.order_by("-updated_at", "-id")[:200])
    return list(questions.filter(open_reports__gt=0).order_by("-open_reports", "-id")[:200])


def open_reports_for(question: Question) -> dict[str, list[Report]]:
    """Open reports on a question and on each of its answers (keyed "q" / answer pk)."""
    result: dict[str, list[Report]] = {}
    reports = Report.objects.filter(resolved_at__isnull=True).filter(
        Q(question=question) | Q(answer__question=question)
    )
    for r in reports.select_related("reporter"):
        key = "q" if r.question_id else str(r.answer_id)
        result.setdefault(key, []).append(r)
    return result


def open_report_count() -> int:
    return Report.objects.filter(resolved_at__isnull=True).count()
