"""Access helpers: which questions and answers a user may reach. Hidden content is staff-only
(Http404 for everyone else, so its existence is not revealed)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from rapport.accounts.roles import is_employee
from rapport.community.models import Answer, Question, Topic


def get_topic_for(user: Any, slug: str) -> Topic:
    topic = Topic.objects.filter(slug=slug, is_active=True).first()
    if topic is None:
        raise Http404
    return topic


def get_question_for(user: Any, public_id: Any) -> Question:
    """A visible question (anyone may read it); staff also reach hidden ones."""
    questions = Question.objects.select_related("product", "topic", "accepted_answer")
    if not is_employee(user):
        questions = questions.filter(is_hidden=False)
    question = questions.filter(public_id=public_id).first()
    if question is None:
        raise Http404
    return question


def get_answer_for(user: Any, public_id: Any) -> Answer:
    """A visible answer of a visible question; staff also reach hidden ones."""
    answers = Answer.objects.select_related("question")
    if not is_employee(user):
        answers = answers.filter(is_hidden=False, question__is_hidden=False)
    answer = answers.filter(public_id=public_id).first()
    if answer is None:
        raise Http404
    return answer


def get_question_for_staff(user: Any, public_id: Any) -> Question:
    if not is_employee(user):
        raise Http404
    return get_question_for(user, public_id)


def get_answer_for_staff(user: Any, public_id: Any) -> Answer:
    if not is_employee(user):
        raise Http404
    return get_answer_for(user, public_id)
