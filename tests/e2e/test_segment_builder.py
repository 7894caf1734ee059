"""A manager builds a segment rule by clicking (fields, operators, values from lists, a negated
condition) instead of typing JSON; the builder writes the same rule the JSON would be, and the
segment gets the same members (real Chromium)."""

import json

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from rapport.accounts.roles import MANAGER
from rapport.core import testing
from rapport.customers.models import Customer, Gender, Occupation
from rapport.customers.tests.factories import reseed
from rapport.segments.models import Segment
from rapport.segments.services import save_segment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WANTED = {
    "all": [
        {"field": "occupation", "op": "in", "value": ["student"]},
        {"not": {"field": "gender", "op": "in", "value": ["male"]}},
    ]
}


@pytest.fixture
def customers(transactional_db, make_user):
    reseed()
    student = Occupation.objects.get(slug="student")
    engineer = Occupation.objects.get(slug="engineer")
    made = {}
    for email, occupation, gender in [
        ("ann@example.com", student, Gender.FEMALE),
        ("bob@example.com", student, Gender.MALE),
        ("cat@example.com", engineer, Gender.FEMALE),
    ]:
        user = make_user(email)
        made[email] = Customer.objects.create(
            user=user, email=email, name=email.split("@")[0], occupation=occupation, gender=gender
        )
    return made


def test_manager_builds_a_rule_by_clicking(customers, page, live_server, make_user, artifacts_dir):
    manager = make_user("max@staff.example.com", role=MANAGER)
    client = Client()
    testing.login_staff(client, manager)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )

    page.goto(f"/{settings.RAPPORT_STAFF_PATH}/segments/new/")
    builder = page.get_by_test_id("rule-builder")
    conditions = builder.locator(".rule-condition")
    expect(conditions).to_have_count(2)  # the example rule, drawn as two conditions
    page.get_by_label("Name").fill("Students, not men")

    second = conditions.nth(1)
    second.get_by_label("field").select_option(label="Gender")
    second.get_by_label("Female").uncheck()
    second.get_by_label("Male", exact=True).check()
    expect(page.get_by_test_id("preview-count")).to_contain_text("1")
    page.screenshot(path=str(artifacts_dir / "segment-builder.png"), full_page=True)

    assert json.loads(page.locator("#id_rule").input_value()) == WANTED
    page.get_by_role("button", name="Save segment").click()
    page.get_by_text("Segment saved").wait_for()

    built = Segment.objects.get(name="Students, not men")
    typed = save_segment(actor=None, name="Typed as JSON", rule=WANTED)
    assert built.rule == WANTED
    assert set(built.memberships.values_list("customer__email", flat=True)) == {"ann@example.com"}
    assert set(typed.memberships.values_list("customer__email", flat=True)) == {"ann@example.com"}
