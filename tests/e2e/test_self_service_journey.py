"""Self-service in a real browser: search the help centre and vote; review a delivered product
and see the review (and the rating) on its page."""

from io import StringIO

import pytest
from django.core.management import call_command

from rapport.aftersales.tests.factories import buy, deliver, reachable
from rapport.checkout.tests.factories import stocked_product
from rapport.customers.models import Customer
from rapport.feedback.models import ProductReview
from rapport.support.models import Article

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_search_the_help_centre_then_review_a_delivered_product(
    page, make_user, password, artifacts_dir
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
