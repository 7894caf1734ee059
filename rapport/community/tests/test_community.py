"""Community Q&A services: asking, answering, one vote each, accepting only by the asker or
staff, reports and moderation, hidden content invisible to customers, new-account limits, the
timeline, and search (PostgreSQL full-text or the SQLite fallback)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.checkout.tests.factories import stocked_product
from rapport.community import queries, services
from rapport.community.models import Answer, AnswerVote, Question, Report, Topic
from rapport.community.services import CommunityError
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer

pytestmark = pytest.mark.django_db


def topic(slug):
    # get_or_create: transactional tests flush what the data migration made.
    return Topic.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0]


@pytest.fixture
def delivery():
    return topic("delivery")


@pytest.fixture
def ann(people):
    return Customer.objects.get(user=people["customer"])


@pytest.fixture
def bob(people):
    return Customer.objects.get(user=people["other_customer"])


@pytest.fixture
def asked(people, delivery):
    return services.ask_question(
        user=people["customer"], title="Do you deliver to Macau?", topic=delivery
    )


def test_seeded_topics_include_delivery_gifts_and_wholesale():
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    seed = importlib.import_module("rapport.community.migrations.0002_search_index_and_topics")
    # What the migration uses of a schema editor (SQLite's cannot open inside a test's atomic).
    editor = SimpleNamespace(connection=connection, execute=connection.cursor().execute)
    seed.create(apps, editor)
    seed.create(apps, editor)  # idempotent

    slugs = set(Topic.objects.values_list("slug", flat=True))

    assert {"delivery", "gifts", "wholesale"} <= slugs
    assert Topic.objects.get(slug="gifts").name_zh_hans == "礼品"


def test_a_customer_asks_about_a_product_and_it_lands_on_their_timeline(people, ann):
    lamp = stocked_product(name="Brass lamp")

    question = services.ask_question(
        user=people["customer"], title="  Is the shade glass?  ", body="Or plastic?", product=lamp
    )

    assert (question.title, question.body, question.product, question.topic) == (
        "Is the shade glass?",
        "Or plastic?",
        lamp,
        None,
    )
    assert (question.customer, question.author_name) == (ann, "Ann")
    entry = AuditEntry.objects.get(action="community.question_asked")
    assert entry.customer == ann and "Brass lamp" in entry.summary
    assert queries.questions_for_product(lamp) == [question]


@pytest.mark.parametrize(
    "title, about",
    [("Hi", "topic"), ("A real question", "none"), ("A real question", "both")],
)
def test_a_question_needs_words_and_exactly_one_product_or_topic(people, delivery, title, about):
    product = stocked_product()
    where = {
        "topic": {"topic": delivery},
        "none": {},
        "both": {"topic": delivery, "product": product},
    }[about]

    with pytest.raises(CommunityError):
        services.ask_question(user=people["customer"], title=title, **where)

    assert Question.objects.count() == 0 and not AuditEntry.objects.exists()


def test_anonymous_cannot_ask_or_answer(delivery, asked):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(CommunityError):
        services.ask_question(user=AnonymousUser(), title="Anonymous one", topic=delivery)
    with pytest.raises(CommunityError):
        services.post_answer(user=AnonymousUser(), question=asked, body="Yes")


def test_customers_and_staff_answer_and_staff_answers_are_marked(people, asked, ann, bob):
    by_bob = services.post_answer(
        user=people["other_customer"], question=asked, body="Yes, 5 days."
    )
    by_emma = services.post_answer(user=people["employee"], question=asked, body="Yes: 3-5 days.")

    asked.refresh_from_db()
    assert (by_bob.by_staff, by_bob.customer) == (False, bob)
    assert (by_emma.by_staff, by_emma.customer) == (True, None)
    assert asked.answer_count == 2
    assert AuditEntry.objects.filter(action="community.answer_posted", customer=bob).count() == 1
    # The asker hears about both answers on their timeline.
    assert AuditEntry.objects.filter(action="community.answer_received", customer=ann).count() == 2


def test_one_vote_per_person_per_answer_and_never_on_ones_own(people, asked):
    answer = services.post_answer(user=people["other_customer"], question=asked, body="Yes.")

    services.vote(user=people["customer"], answer=answer)
    with pytest.raises(CommunityError):
        services.vote(user=people["customer"], answer=answer)
    with pytest.raises(CommunityError):
        services.vote(user=people["other_customer"], answer=answer)
    services.vote(user=people["employee"], answer=answer)

    answer.refresh_from_db()
    assert answer.votes == 2 and AnswerVote.objects.filter(answer=answer).count() == 2


def test_the_asker_accepts_an_answer_and_may_change_it(people, asked, bob):
    first = services.post_answer(user=people["other_customer"], question=asked, body="Yes.")
    second = services.post_answer(user=people["employee"], question=asked, body="Yes, 3 days.")

    services.accept_answer(user=people["customer"], answer=first)
    services.accept_answer(user=people["customer"], answer=second)

    asked.refresh_from_db()
    assert asked.accepted_answer == second
    assert AuditEntry.objects.filter(action="community.answer_accepted").count() == 2
    assert AuditEntry.objects.filter(action="community.answer_was_accepted", customer=bob).exists()


def test_staff_may_accept_but_another_customer_may_not(people, asked, delivery):
    answer = services.post_answer(user=people["employee"], question=asked, body="Yes.")
    bobs_question = services.ask_question(
        user=people["other_customer"], title="Do you deliver on Sundays?", topic=delivery
    )
    on_bobs = services.post_answer(user=people["customer"], question=bobs_question, body="No.")

    with pytest.raises(CommunityError):
        services.accept_answer(user=people["other_customer"], answer=answer)
    with pytest.raises(CommunityError):
        # Ann answered Bob's question: she cannot accept her own answer on his question.
        services.accept_answer(user=people["customer"], answer=on_bobs)
    asked.refresh_from_db()
    assert asked.accepted_answer is None

    services.accept_answer(user=people["manager"], answer=answer)
    asked.refresh_from_db()
    assert asked.accepted_answer == answer


def test_reports_once_each_then_staff_hide_and_the_content_disappears_for_customers(people, asked):
    answer = services.post_answer(user=people["other_customer"], question=asked, body="Spam link")
    services.accept_answer(user=people["customer"], answer=answer)

    services.report(user=people["customer"], answer=answer, reason="spam")
    with pytest.raises(CommunityError):
        services.report(user=people["customer"], answer=answer, reason="again")
    services.report(user=people["other_customer"], question=asked)
    assert [q.pk for q in queries.moderation_queue()] == [asked.pk]
    assert queries.moderation_queue()[0].open_reports == 2

    services.set_answer_hidden(actor=people["employee"], answer=answer, hidden=True)

    asked.refresh_from_db()
    assert asked.accepted_answer is None and asked.answer_count == 0
    assert queries.answers_for(asked, people["customer"]) == []
    assert queries.answers_for(asked, people["employee"]) == [answer]
    assert Report.objects.get(answer=answer).resolved_at is not None
    with pytest.raises(CommunityError):
        services.vote(user=people["customer"], answer=answer)
    assert [q.pk for q in queries.moderation_queue(show="hidden")] == [asked.pk]

    services.set_answer_hidden(actor=people["employee"], answer=answer, hidden=False)
    asked.refresh_from_db()
    assert asked.answer_count == 1


def test_a_hidden_question_is_invisible_to_customers_and_closed(people, asked, delivery):
    with pytest.raises(CommunityError):
        services.set_question_hidden(actor=people["customer"], question=asked, hidden=True)
    services.set_question_hidden(actor=people["employee"], question=asked, hidden=True)

    assert queries.questions_for_topic(delivery).count() == 0
    assert queries.recent_questions() == []
    assert queries.search_questions("Macau") == []
    with pytest.raises(CommunityError):
        services.post_answer(user=people["other_customer"], question=asked, body="Yes.")
    assert AuditEntry.objects.filter(action="community.question_hidden").exists()

    services.set_question_hidden(actor=people["employee"], question=asked, hidden=False)
    assert [q.pk for q in queries.search_questions("Macau")] == [asked.pk]


def test_staff_dismiss_reports_and_the_content_stays(people, asked):
    services.report(user=people["other_customer"], question=asked, reason="rude")

    assert services.dismiss_reports(actor=people["employee"], question=asked) == 1
    assert queries.moderation_queue() == []
    asked.refresh_from_db()
    assert not asked.is_hidden
    # Settled reports do not block a new report.
    services.report(user=people["other_customer"], question=asked, reason="still rude")


def test_new_accounts_post_a_limited_number_a_day_with_a_clear_error(people, delivery, settings):
    settings.RAPPORT_COMMUNITY_NEW_ACCOUNT_DAYS = 7
    settings.RAPPORT_COMMUNITY_NEW_ACCOUNT_POSTS_PER_DAY = 2
    ann = people["customer"]
    question = services.ask_question(user=ann, title="Gift wrap on orders?", topic=delivery)
    services.post_answer(user=ann, question=question, body="Found it myself.")

    with pytest.raises(CommunityError) as refused:
        services.ask_question(user=ann, title="One more question", topic=delivery)

    assert "2 questions or answers a day" in str(refused.value)
    assert "first 7 days" in str(refused.value)
    assert Question.objects.count() == 1 and Answer.objects.count() == 1
    # Staff are not limited; older accounts are not either.
    for _ in range(3):
        services.post_answer(user=people["employee"], question=question, body="Staff answer")
    ann.date_joined = timezone.now() - timedelta(days=8)
    ann.save(update_fields=["date_joined"])
    services.ask_question(user=ann, title="One more question", topic=delivery)
    assert Question.objects.count() == 2


def test_yesterdays_posts_do_not_count_towards_the_limit(people, delivery, settings):
    settings.RAPPORT_COMMUNITY_NEW_ACCOUNT_POSTS_PER_DAY = 1
    first = services.ask_question(user=people["customer"], title="Gift wrap?", topic=delivery)
    Question.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=25))

    services.ask_question(user=people["customer"], title="Gift cards?", topic=delivery)

    assert Question.objects.count() == 2


def test_search_finds_questions_by_title_details_and_visible_answers(people, delivery):
    gifts = topic("gifts")
    wrap = services.ask_question(
        user=people["customer"], title="Can you wrap presents?", topic=gifts
    )
    courier = services.ask_question(
        user=people["other_customer"],
        title="Which courier brings parcels?",
        body="I am out during the day.",
        topic=delivery,
    )
    answer = services.post_answer(
        user=people["employee"], question=courier, body="Royal Mail, or a neighbour signs."
    )

    assert [q.pk for q in queries.search_questions("wrap presents")] == [wrap.pk]
    assert [q.pk for q in queries.search_questions("courier")] == [courier.pk]
    assert [q.pk for q in queries.search_questions("neighbour")] == [courier.pk]
    assert queries.search_questions("submarine") == []
    assert queries.search_questions("   ") == []

    services.set_answer_hidden(actor=people["employee"], answer=answer, hidden=True)
    assert queries.search_questions("neighbour") == []
