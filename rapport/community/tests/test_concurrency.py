"""Community Q&A under concurrency (PostgreSQL row locks): one vote per person even when
clicked in parallel; a new account's daily limit holds for parallel posts."""

import pytest

from rapport.community import services
from rapport.community.models import Question, Topic
from rapport.community.services import CommunityError
from rapport.core.testing import run_concurrently, skip_unless_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def delivery():
    return Topic.objects.get_or_create(slug="delivery", defaults={"name": "Delivery"})[0]


@pytest.fixture
def asked(people, delivery):
    return services.ask_question(
        user=people["customer"], title="Do you deliver to Macau?", topic=delivery
    )


def test_parallel_votes_by_one_person_count_once(people, asked):
    skip_unless_postgres()
    answer = services.post_answer(user=people["other_customer"], question=asked, body="Yes.")

    results = run_concurrently(4, lambda i: services.vote(user=people["customer"], answer=answer))

    answer.refresh_from_db()
    assert answer.votes == 1
    assert sum(isinstance(r, CommunityError) for r in results) == 3


def test_parallel_posts_of_a_new_account_respect_the_limit(people, delivery, settings):
    skip_unless_postgres()
    settings.RAPPORT_COMMUNITY_NEW_ACCOUNT_POSTS_PER_DAY = 2

    def ask(i):
        return services.ask_question(user=people["customer"], title=f"Question {i}", topic=delivery)

    results = run_concurrently(5, ask)

    assert Question.objects.count() == 2
    assert sum(isinstance(r, CommunityError) for r in results) == 3
