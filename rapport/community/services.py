"""Community Q&A writes: ask, answer, vote, accept, report, hide and show.

Every refused action raises CommunityError with a message shown to the person as it is, and
writes nothing. Questions and answers land on the author's timeline (the audit log).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.accounts.roles import is_employee
from rapport.catalog.models import Product
from rapport.community.models import Answer, AnswerVote, Question, Report, Topic
from rapport.core import audit
from rapport.customers.models import Customer

MAX_TITLE = 200
MAX_BODY = 5000
MAX_REASON = 300
SEARCH_CONFIG = "english"


class CommunityError(Exception):
    """A Q&A action that is refused (shown to the person as it is)."""


def customer_of(user: Any) -> Customer | None:
    """The customer record of a signed-in customer (None for staff and anonymous)."""
    if not getattr(user, "is_authenticated", False) or is_employee(user):
        return None
    return Customer.objects.filter(user=user, erased_at__isnull=True).first()


def _display_name(user: Any, customer: Customer | None) -> str:
    name = customer.name if customer is not None else (user.get_full_name() or "")
    return (name.split() or [""])[0][:80]


def _signed_in(user: Any) -> None:
    if not getattr(user, "is_authenticated", False):
        raise CommunityError(_("Sign in to take part."))


def check_rate_limit(user: Any) -> None:
    """New accounts (younger than RAPPORT_COMMUNITY_NEW_ACCOUNT_DAYS) post at most
    RAPPORT_COMMUNITY_NEW_ACCOUNT_POSTS_PER_DAY questions and answers in 24 hours. Call inside
    the posting transaction: the user's row is locked so parallel posts cannot both pass."""
    if is_employee(user):
        return
    days = settings.RAPPORT_COMMUNITY_NEW_ACCOUNT_DAYS
    limit = settings.RAPPORT_COMMUNITY_NEW_ACCOUNT_POSTS_PER_DAY
    now = timezone.now()
    if user.date_joined <= now - timedelta(days=days):
        return
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    since = now - timedelta(hours=24)
    posted = (
        Question.objects.filter(author=user, created_at__gte=since).count()
        + Answer.objects.filter(author=user, created_at__gte=since).count()
    )
    if posted >= limit:
        raise CommunityError(
            ngettext(
                "New accounts can post %(limit)d question or answer a day during their first "
                "%(days)d days. Please try again tomorrow.",
                "New accounts can post %(limit)d questions or answers a day during their first "
                "%(days)d days. Please try again tomorrow.",
                limit,
            )
            % {"limit": limit, "days": days}
        )


def _clean(text: str, limit: int) -> str:
    return text.strip()[:limit]


def ask_question(
    *,
    user: Any,
    title: str,
    body: str = "",
    product: Product | None = None,
    topic: Topic | None = None,
) -> Question:
    """A signed-in person asks about a product or under a topic."""
    _signed_in(user)
    title, body = _clean(title, MAX_TITLE), _clean(body, MAX_BODY)
    if len(title) < 5:
        raise CommunityError(_("Write your question in a few words (at least 5 characters)."))
    if (product is None) == (topic is None):
        raise CommunityError(_("Choose a product or a topic for your question."))
    if topic is not None and not topic.is_active:
        raise CommunityError(_("This topic is closed for new questions."))
    customer = customer_of(user)
    with transaction.atomic():
        check_rate_limit(user)
        question = Question.objects.create(
            product=product,
            topic=topic,
            author=user,
            customer=customer,
            author_name=_display_name(user, customer),
            title=title,
            body=body,
        )
        refresh_search_vector(question_ids=[question.pk])
        about = product.name if product is not None else topic.name  # type: ignore[union-attr]
        audit.record(
            action="community.question_asked",
            actor=user,
            target=question,
            customer=customer,
            summary=f"Asked about {about}: {title}"[:500],
            data={"question": str(question.public_id)},
        )
        return question


def post_answer(*, user: Any, question: Question, body: str) -> Answer:
    """A signed-in customer or an employee answers a visible question."""
    _signed_in(user)
    body = _clean(body, MAX_BODY)
    if len(body) < 2:
        raise CommunityError(_("Write an answer first."))
    staff = is_employee(user)
    customer = customer_of(user)
    with transaction.atomic():
        locked = Question.objects.select_for_update().get(pk=question.pk)
        if locked.is_hidden and not staff:
            raise CommunityError(_("This question is no longer open."))
        check_rate_limit(user)
        answer = Answer.objects.create(
            question=locked,
            author=user,
            customer=customer,
            author_name=_display_name(user, customer),
            by_staff=staff,
            body=body,
        )
        locked.answer_count = F("answer_count") + 1
        locked.save(update_fields=["answer_count", "updated_at"])
        refresh_search_vector(question_ids=[locked.pk])
        audit.record(
            action="community.answer_posted",
            actor=user,
            target=answer,
            customer=customer,
            summary=f"Answered “{locked.title}”"[:500],
            data={"question": str(locked.public_id), "answer": str(answer.public_id)},
        )
        if locked.customer is not None and locked.customer != customer:
            audit.record(
                action="community.answer_received",
                actor=user,
                target=answer,
                customer=locked.customer,
                summary=f"Their question “{locked.title}” got an answer"[:500],
                data={"question": str(locked.public_id), "by_staff": staff},
            )
        return answer


def vote(*, user: Any, answer: Answer) -> Answer:
    """One vote per person per answer, never on one's own answer or on hidden content."""
    _signed_in(user)
    try:
        with transaction.atomic():
            current = Answer.objects.select_related("question").get(pk=answer.pk)
            if current.author_id == user.pk:
                raise CommunityError(_("You cannot vote for your own answer."))
            if current.is_hidden or current.question.is_hidden:
                raise CommunityError(_("This answer is no longer shown."))
            AnswerVote.objects.create(answer=current, voter=user)
            Answer.objects.filter(pk=current.pk).update(votes=F("votes") + 1)
    except IntegrityError as exc:
        raise CommunityError(_("You have already voted for this answer.")) from exc
    answer.refresh_from_db(fields=["votes"])
    return answer


def can_accept(user: Any, question: Question) -> bool:
    """The asker or staff choose the accepted answer."""
    if not getattr(user, "is_authenticated", False):
        return False
    return is_employee(user) or (question.author_id is not None and question.author_id == user.pk)


def accept_answer(*, user: Any, answer: Answer) -> Question:
    """The asker (or staff) accepts a visible answer; it replaces any answer accepted before."""
    question = answer.question
    if not can_accept(user, question):
        raise CommunityError(_("Only the person who asked can accept an answer."))
    with transaction.atomic():
        locked = Question.objects.select_for_update().get(pk=question.pk)
        current = Answer.objects.get(pk=answer.pk)
        if current.is_hidden or current.question_id != locked.pk:
            raise CommunityError(_("This answer is no longer shown."))
        if locked.is_hidden and not is_employee(user):
            raise CommunityError(_("This question is no longer open."))
        if locked.accepted_answer_id == current.pk:
            return locked
        locked.accepted_answer = current
        locked.save(update_fields=["accepted_answer", "updated_at"])
        audit.record(
            action="community.answer_accepted",
            actor=user,
            target=current,
            customer=locked.customer,
            summary=f"Accepted an answer to “{locked.title}”"[:500],
            data={"question": str(locked.public_id), "answer": str(current.public_id)},
        )
        if current.customer is not None and current.customer != locked.customer:
            audit.record(
                action="community.answer_was_accepted",
                actor=user,
                target=current,
                customer=current.customer,
                summary=f"Their answer to “{locked.title}” was accepted"[:500],
                data={"question": str(locked.public_id)},
            )
        return locked


def report(
    *, user: Any, question: Question | None = None, answer: Answer | None = None, reason: str = ""
) -> Report:
    """A signed-in person reports a question or an answer (once while it is open)."""
    _signed_in(user)
    if (question is None) == (answer is None):
        raise CommunityError(_("Choose what to report."))
    try:
        with transaction.atomic():
            created = Report.objects.create(
                question=question,
                answer=answer,
                reporter=user,
                reason=_clean(reason, MAX_REASON),
            )
            target: Question | Answer = question if question is not None else answer  # type: ignore[assignment]
            audit.record(
                action="community.reported",
                actor=user,
                target=target,
                customer=customer_of(user),
                summary=f"Reported {target._meta.model_name} {target.pk}",
                data={"reason": created.reason},
            )
            return created
    except IntegrityError as exc:
        raise CommunityError(_("You have already reported this; staff will look at it.")) from exc


def _resolve_reports(
    *, actor: Any, question: Question | None = None, answer: Answer | None = None
) -> int:
    reports = Report.objects.filter(resolved_at__isnull=True)
    reports = (
        reports.filter(question=question) if question is not None else reports.filter(answer=answer)
    )
    return reports.update(resolved_at=timezone.now(), resolved_by=actor)


def set_question_hidden(*, actor: Any, question: Question, hidden: bool) -> Question:
    """Staff hide or show a question; its open reports are settled either way."""
    if not is_employee(actor):
        raise CommunityError(_("Only staff can moderate."))
    with transaction.atomic():
        locked = Question.objects.select_for_update().get(pk=question.pk)
        settled = _resolve_reports(actor=actor, question=locked)
        _mark_hidden(locked, hidden=hidden, actor=actor)
        audit.record(
            action="community.question_hidden" if hidden else "community.question_shown",
            actor=actor,
            target=locked,
            customer=locked.customer,
            summary=f"{'Hid' if hidden else 'Showed'} the question “{locked.title}”"[:500],
            data={"reports_settled": settled},
        )
        return locked


def _mark_hidden(row: Question | Answer, *, hidden: bool, actor: Any) -> bool:
    """Hide or show a locked question or answer (who and when kept); False when unchanged."""
    if row.is_hidden == hidden:
        return False
    row.is_hidden = hidden
    row.hidden_at, row.hidden_by = (timezone.now(), actor) if hidden else (None, None)
    row.save(update_fields=["is_hidden", "hidden_at", "hidden_by", "updated_at"])
    return True


def set_answer_hidden(*, actor: Any, answer: Answer, hidden: bool) -> Answer:
    """Staff hide or show an answer; a hidden answer stops being the accepted one and leaves
    the question's count and search text."""
    if not is_employee(actor):
        raise CommunityError(_("Only staff can moderate."))
    with transaction.atomic():
        question = Question.objects.select_for_update().get(pk=answer.question_id)
        locked = Answer.objects.select_for_update().get(pk=answer.pk)
        settled = _resolve_reports(actor=actor, answer=locked)
        if _mark_hidden(locked, hidden=hidden, actor=actor):
            if hidden and question.accepted_answer_id == locked.pk:
                question.accepted_answer = None
            question.answer_count = question.answers.filter(is_hidden=False).count()
            question.save(update_fields=["accepted_answer", "answer_count", "updated_at"])
            refresh_search_vector(question_ids=[question.pk])
        audit.record(
            action="community.answer_hidden" if hidden else "community.answer_shown",
            actor=actor,
            target=locked,
            customer=locked.customer,
            summary=f"{'Hid' if hidden else 'Showed'} an answer to “{question.title}”"[:500],
            data={"reports_settled": settled},
        )
        return locked


def dismiss_reports(
    *, actor: Any, question: Question | None = None, answer: Answer | None = None
) -> int:
    """Staff decide reported content can stay: its open reports are settled."""
    if not is_employee(actor):
        raise CommunityError(_("Only staff can moderate."))
    with transaction.atomic():
        settled = _resolve_reports(actor=actor, question=question, answer=answer)
        target: Question | Answer = question if question is not None else answer  # type: ignore[assignment]
        audit.record(
            action="community.reports_dismissed",
            actor=actor,
            target=target,
            summary=f"Kept {target._meta.model_name} {target.pk}; {settled} report(s) dismissed",
            data={"reports_settled": settled},
        )
        return settled


def refresh_search_vector(*, question_ids: list[int] | None = None) -> int:
    """Recompute the stored full-text vector (PostgreSQL only; a no-op on SQLite) of the given
    questions, or of all: title (A), details (B), visible answers (C)."""
    if connection.vendor != "postgresql":
        return 0
    ids = None if question_ids is None else list(question_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE community_question AS q SET search_vector =
                setweight(to_tsvector(%s::regconfig, coalesce(q.title, '')), 'A')
                || setweight(to_tsvector(%s::regconfig, coalesce(q.body, '')), 'B')
                || setweight(to_tsvector(%s::regconfig, coalesce((
                    SELECT string_agg(a.body, ' ') FROM community_answer a
                    WHERE a.question_id = q.id AND NOT a.is_hidden), '')), 'C')
            WHERE %s::bigint[] IS NULL OR q.id = ANY(%s::bigint[])
            """,
            [SEARCH_CONFIG, SEARCH_CONFIG, SEARCH_CONFIG, ids, ids],
        )
        return cursor.rowcount
