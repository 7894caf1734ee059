"""Community Q&A through HTTP: the permission matrix of the store and portal pages, the flows
(ask, answer, vote, accept, report, moderate), hidden content, escaping, the product block."""

import pytest
from django.urls import reverse

from rapport.checkout.tests.factories import stocked_product
from rapport.community import services
from rapport.community.models import Answer, Question, Report, Topic
from rapport.core.testing import (
    FORBIDDEN,
    NOT_FOUND,
    REDIRECT_HOME,
    REDIRECT_LOGIN,
    STAFF_ONLY,
    Row,
    check_matrix,
    expect,
    redirect_to,
    signed_in_only,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(people):
    # get_or_create: transactional tests flush what the data migration made.
    topic = Topic.objects.get_or_create(slug="delivery", defaults={"name": "Delivery"})[0]
    lamp = stocked_product(name="Brass lamp")
    question = services.ask_question(
        user=people["customer"], title="Do you deliver to Macau?", topic=topic
    )
    answer = services.post_answer(user=people["other_customer"], question=question, body="Yes.")
    hidden_q = services.ask_question(
        user=people["other_customer"], title="Spam spam spam", product=lamp
    )
    services.set_question_hidden(actor=people["employee"], question=hidden_q, hidden=True)
    hidden_a = services.post_answer(user=people["employee"], question=question, body="Old info")
    services.set_answer_hidden(actor=people["employee"], answer=hidden_a, hidden=True)
    return {
        "topic": topic,
        "lamp": lamp,
        "question": question,
        "answer": answer,
        "hidden_q": hidden_q,
        "hidden_a": hidden_a,
    }


def test_community_pages_permission_matrix(clients, objects):
    q, a = objects["question"], objects["answer"]
    q_url = reverse("storefront:community_question", args=[q.public_id])
    hidden_q_url = reverse("storefront:community_question", args=[objects["hidden_q"].public_id])
    topic_url = reverse("storefront:community_topic", args=["delivery"])
    portal_q = reverse("portal:community_question", args=[q.public_id])
    rows = [
        Row("storefront:community", reverse("storefront:community"), expect(everyone=200)),
        Row("community search", reverse("storefront:community") + "?q=macau", expect(everyone=200)),
        Row("storefront:community_topic", topic_url, expect(everyone=200)),
        Row(
            "unknown topic",
            reverse("storefront:community_topic", args=["nope"]),
            expect(everyone=NOT_FOUND),
        ),
        Row("storefront:community_question", q_url, expect(everyone=200)),
        Row("a hidden question", hidden_q_url, expect(non_staff=NOT_FOUND, staff=200)),
        Row(
            "storefront:product_questions",
            reverse("storefront:product_questions", args=[objects["lamp"].public_id]),
            expect(everyone=200),
        ),
        Row(
            "storefront:community_ask",
            reverse("storefront:community_ask"),
            expect(**signed_in_only(redirect_to(topic_url))),
            method="post",
            data={"topic": "delivery", "title": "?"},  # too short: refused, back to the topic
        ),
        Row(
            "storefront:community_answer",
            reverse("storefront:community_answer", args=[q.public_id]),
            expect(**signed_in_only(redirect_to(q_url))),
            method="post",
            data={"body": "Yes, within a week."},
        ),
        Row(
            "answer a hidden question",
            reverse("storefront:community_answer", args=[objects["hidden_q"].public_id]),
            expect(anonymous=REDIRECT_LOGIN, customers=NOT_FOUND, staff=redirect_to(hidden_q_url)),
            method="post",
            data={"body": "Answer"},
        ),
        Row(
            "storefront:community_vote",
            reverse("storefront:community_vote", args=[a.public_id]),
            expect(**signed_in_only(redirect_to(q_url))),
            method="post",
        ),
        Row(
            "vote on a hidden answer",
            reverse("storefront:community_vote", args=[objects["hidden_a"].public_id]),
            expect(anonymous=REDIRECT_LOGIN, customers=NOT_FOUND, staff=redirect_to(q_url)),
            method="post",
        ),
        Row(
            "storefront:community_accept",
            reverse("storefront:community_accept", args=[a.public_id]),
            # Ann asked: she and staff may accept; Bob may not accept on her question.
            expect(**signed_in_only(redirect_to(q_url)), other_customer=FORBIDDEN),
            method="post",
        ),
        Row(
            "storefront:community_report_question",
            reverse("storefront:community_report_question", args=[q.public_id]),
            expect(**signed_in_only(redirect_to(q_url))),
            method="post",
            data={"reason": "off topic"},
        ),
        Row(
            "storefront:community_report_answer",
            reverse("storefront:community_report_answer", args=[a.public_id]),
            expect(**signed_in_only(redirect_to(q_url))),
            method="post",
        ),
        Row("portal:community_queue", reverse("portal:community_queue"), expect(**STAFF_ONLY)),
        Row(
            "hidden queue",
            reverse("portal:community_queue") + "?show=hidden",
            expect(**STAFF_ONLY),
        ),
        Row("portal:community_question", portal_q, expect(**STAFF_ONLY)),
        Row(
            "portal:community_question_moderate",
            reverse("portal:community_question_moderate", args=[q.public_id]),
            expect(non_staff=REDIRECT_HOME, staff=redirect_to(portal_q)),
            method="post",
            data={"action": "keep"},
        ),
        Row(
            "portal:community_answer_moderate",
            reverse("portal:community_answer_moderate", args=[a.public_id]),
            expect(non_staff=REDIRECT_HOME, staff=redirect_to(portal_q)),
            method="post",
            data={"action": "keep"},
        ),
    ]

    assert check_matrix(rows, clients, objects) == []
    assert not Question.objects.filter(title="?").exists()
    # Two customers and two staff answered the visible question; nobody the hidden one but staff.
    assert q.answers.filter(body="Yes, within a week.").count() == 4
    assert objects["hidden_q"].answers.count() == 2
    a.refresh_from_db()
    assert a.votes == 3  # Ann, Emma, Max; Bob's vote on his own answer was refused
    q.refresh_from_db()
    assert q.accepted_answer == a


def test_ask_answer_vote_accept_through_the_store(clients, people, objects):
    ann, bob = clients["customer"], clients["other_customer"]

    asked = ann.post(
        reverse("storefront:community_ask"),
        {"product": str(objects["lamp"].public_id), "title": "Is the shade glass?"},
    )
    question = Question.objects.get(title="Is the shade glass?")
    url = reverse("storefront:community_question", args=[question.public_id])
    assert asked.status_code == 302 and asked["Location"] == url
    assert question.product == objects["lamp"] and question.author == people["customer"]

    bob.post(reverse("storefront:community_answer", args=[question.public_id]), {"body": "Glass."})
    answer = Answer.objects.get(question=question)
    bob_accepts = bob.post(reverse("storefront:community_accept", args=[answer.public_id]))
    ann.post(reverse("storefront:community_vote", args=[answer.public_id]))
    ann.post(reverse("storefront:community_vote", args=[answer.public_id]))
    ann.post(reverse("storefront:community_accept", args=[answer.public_id]))

    question.refresh_from_db()
    answer.refresh_from_db()
    assert bob_accepts.status_code == 403
    assert question.accepted_answer == answer and answer.votes == 1
    page = ann.get(url)
    assert "Accepted answer" in page.content.decode()
    assert b"Accept this answer" not in page.content
    # The product's block shows the question with its accepted answer.
    block = clients["anonymous"].get(
        reverse("storefront:product_questions", args=[objects["lamp"].public_id])
    )
    html = block.content.decode()
    assert "Is the shade glass?" in html and "Glass." in html
    assert "Spam spam spam" not in html  # hidden question of the same product


def test_a_refused_action_shows_its_reason(clients, settings, objects):
    settings.RAPPORT_COMMUNITY_NEW_ACCOUNT_POSTS_PER_DAY = 1  # Ann already asked one today

    response = clients["customer"].post(
        reverse("storefront:community_ask"),
        {"topic": "delivery", "title": "Can I pick up in person?"},
        follow=True,
    )

    assert "New accounts can post 1 question or answer a day" in response.content.decode()
    assert not Question.objects.filter(title="Can I pick up in person?").exists()


def test_staff_answers_are_marked_and_hidden_content_is_staff_only(clients, objects):
    q = objects["question"]
    clients["employee"].post(
        reverse("portal:community_question", args=[q.public_id]), {"body": "Yes, by EMS."}
    )
    staff_answer = Answer.objects.get(body="Yes, by EMS.")
    assert staff_answer.by_staff

    public = clients["other_customer"].get(
        reverse("storefront:community_question", args=[q.public_id])
    )
    html = public.content.decode()
    assert "Yes, by EMS." in html and 'class="staff-badge"' in html
    assert "Old info" not in html  # the hidden answer
    staff_view = (
        clients["employee"]
        .get(reverse("storefront:community_question", args=[q.public_id]))
        .content.decode()
    )
    assert "Old info" in staff_view and "Hidden by staff." in staff_view
    search = clients["anonymous"].get(reverse("storefront:community") + "?q=spam")
    assert "Spam spam spam" not in search.content.decode()


def test_report_then_moderate_from_the_portal_queue(clients, objects):
    a = objects["answer"]
    clients["customer"].post(
        reverse("storefront:community_report_answer", args=[a.public_id]),
        {"reason": "wrong & rude"},
    )
    queue = clients["employee"].get(reverse("portal:community_queue")).content.decode()
    assert "Do you deliver to Macau?" in queue

    detail = (
        clients["employee"]
        .get(reverse("portal:community_question", args=[objects["question"].public_id]))
        .content.decode()
    )
    assert "wrong &amp; rude" in detail
    clients["employee"].post(
        reverse("portal:community_answer_moderate", args=[a.public_id]), {"action": "hide"}
    )

    a.refresh_from_db()
    assert a.is_hidden and Report.objects.get(answer=a).resolved_by is not None
    assert clients["employee"].get(reverse("portal:community_queue")).context["questions"] == []
    gone = clients["customer"].post(reverse("storefront:community_vote", args=[a.public_id]))
    assert gone.status_code == 404


def test_all_text_is_escaped(clients, people, objects):
    evil = '<script>alert("q")</script>'
    question = services.ask_question(
        user=people["customer"], title=f"Is it safe? {evil}", body=evil, product=objects["lamp"]
    )
    services.post_answer(user=people["other_customer"], question=question, body=evil)
    services.report(user=people["other_customer"], question=question, reason=evil)
    pages = [
        clients["anonymous"].get(
            reverse("storefront:community_question", args=[question.public_id])
        ),
        clients["anonymous"].get(
            reverse("storefront:product_questions", args=[objects["lamp"].public_id])
        ),
        clients["anonymous"].get(reverse("storefront:community") + "?q=safe"),
        clients["anonymous"].get(reverse("storefront:community")),
        clients["employee"].get(reverse("portal:community_question", args=[question.public_id])),
        clients["employee"].get(reverse("portal:community_queue")),
    ]

    for n, response in enumerate(pages):
        html = response.content.decode()
        assert (n, response.status_code) == (n, 200)
        assert "<script>alert" not in html
        assert (n, "&lt;script&gt;alert(&quot;q&quot;)&lt;/script&gt;" in html) == (n, True)


def test_the_product_page_loads_questions_after_it_loads(client, objects):
    services.ask_question(
        user=objects["question"].author, title="Is the lamp dimmable?", product=objects["lamp"]
    )
    page = client.get(objects["lamp"].get_absolute_url()).content.decode()

    fragment = reverse("storefront:product_questions", args=[objects["lamp"].public_id])
    assert f'hx-get="{fragment}"' in page
    assert "Is the lamp dimmable?" not in page  # the cached page holds no questions
    assert "Is the lamp dimmable?" in client.get(fragment).content.decode()


def test_questions_and_answers_land_on_the_timeline_in_the_portal(clients, people, objects):
    from rapport.customers.models import Customer

    ann = Customer.objects.get(user=people["customer"])
    response = clients["employee"].get(
        reverse("portal:customer_detail", args=[ann.public_id]) + "?kind=community"
    )

    assert response.status_code == 200
    assert "Asked about Delivery: Do you deliver to Macau?" in response.content.decode()


def test_asking_about_a_product_that_is_not_there_asks_nothing(clients, objects):
    for product in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        response = clients["customer"].post(
            reverse("storefront:community_ask"), {"product": product, "title": "Is it real?"}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("storefront:community")
    assert not Question.objects.filter(title="Is it real?").exists()


def test_the_product_block_sends_anonymous_visitors_to_sign_in_and_back(client, objects):
    lamp = objects["lamp"]

    html = client.get(reverse("storefront:product_questions", args=[lamp.public_id])).content

    assert b"Sign in to ask a question." in html
    assert lamp.get_absolute_url().encode() in html  # back to the product, not the fragment
