"""Self-service in a real browser: search the help centre and vote; ask a question on a product,
another customer answers it, the asker accepts the answer; review a delivered product and see
the review (and the rating) and the accepted answer on its page."""

from io import StringIO

import pytest
from django.core.management import call_command

from rapport.aftersales.tests.factories import buy, deliver, reachable
from rapport.checkout.tests.factories import stocked_product
from rapport.community.models import Question
from rapport.core import testing
from rapport.customers.models import Customer
from rapport.feedback.models import ProductReview
from rapport.support.models import Article

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _customer_context(browser, live_server, user):
    """A second customer's browser, signed in by session cookie."""
    from django.test import Client

    client = Client()
    testing.login_customer(client, user)
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def test_search_help_ask_a_question_get_it_answered_accept_then_review(
    page, browser, live_server, make_user, password, artifacts_dir
):
    call_command("seed_knowledge_base", stdout=StringIO())
    user = make_user("clara@example.com", first_name="Clara")
    staff = make_user("emma@staff.example.com", role="Employee")
    clara = reachable(Customer.objects.create(user=user, email=user.email, name="Clara Shopper"))
    lantern = stocked_product(quantity=5, price="12.50", name="MOROCCAN METAL LANTERN")
    deliver(buy(user, clara, [(lantern, 1)], method="card"), staff)

    page.goto("/help/")
    page.get_by_label("Search the help centre").fill("refund")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="How do I get a refund?").click()
    page.get_by_role("heading", name="How do I get a refund?").wait_for()
    page.get_by_role("button", name="Yes").click()
    page.get_by_text("Thank you for telling us.").wait_for()
    assert Article.objects.get(title="How do I get a refund?").helpful_yes == 1
    page.screenshot(path=str(artifacts_dir / "help-article.png"), full_page=True)

    page.goto("/login/")
    page.get_by_label("Email").fill("clara@example.com")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    page.goto(lantern.get_absolute_url())
    questions = page.locator("#questions")
    questions.get_by_text("No questions yet. Ask the first one.").wait_for()
    questions.get_by_label("Your question").fill("Does it come with a candle?")
    questions.get_by_role("button", name="Post question").click()
    page.get_by_text("Your question is published.").wait_for()
    page.get_by_role("heading", name="Does it come with a candle?").wait_for()
    question_url = page.url

    dan_user = make_user("dan@example.com", first_name="Dan")
    Customer.objects.create(user=dan_user, email=dan_user.email, name="Dan Neighbour")
    dan_context = _customer_context(browser, live_server, dan_user)
    try:
        dan = dan_context.new_page()
        dan.set_default_timeout(15_000)
        dan.goto(question_url)
        dan.get_by_label("Answer", exact=True).fill("No, but a tea light fits <b>perfectly</b>.")
        dan.get_by_role("button", name="Post answer").click()
        dan.get_by_text("Thank you for your answer.").wait_for()
        assert dan.get_by_role("button", name="Accept this answer").count() == 0
    finally:
        dan_context.close()

    page.reload()
    answer = page.locator(".answer", has_text="a tea light fits <b>perfectly</b>.")
    answer.get_by_role("button", name="Accept this answer").click()
    page.get_by_text("Answer accepted.").wait_for()
    page.locator(".answer.accepted").get_by_text("Accepted answer").wait_for()
    question = Question.objects.get(title="Does it come with a candle?")
    assert question.accepted_answer.customer.name == "Dan Neighbour"
    page.screenshot(path=str(artifacts_dir / "community-accepted.png"), full_page=True)

    page.goto(lantern.get_absolute_url())
    questions.get_by_text("Accepted answer:").wait_for()
    assert questions.get_by_text("a tea light fits <b>perfectly</b>.").is_visible()
    reviews = page.locator("#reviews")
    reviews.get_by_text("No reviews yet.").wait_for()
    reviews.get_by_label("4★").check()
    reviews.get_by_label("What did you think?").fill("Casts lovely shadows.")
    reviews.get_by_role("button", name="Publish review").click()
    page.get_by_text("Thank you for your review.").wait_for()
    reviews.get_by_text("Casts lovely shadows.").wait_for()

    assert reviews.get_by_text("4.00 out of 5 from 1 review").is_visible()
    assert reviews.get_by_role("button", name="Publish review").count() == 0
    assert list(ProductReview.objects.values_list("customer__name", "stars")) == [
        ("Clara Shopper", 4)
    ]
    page.screenshot(path=str(artifacts_dir / "review-shown.png"), full_page=True)
