"""The customer's own record pages, the /m/ mail endpoints, and their permission matrix."""

import json
import re

import pytest
from django.urls import reverse

from rapport.core.models import AuditEntry
from rapport.core.testing import NOT_FOUND, REDIRECT_LOGIN, Row, check_matrix
from rapport.customers.models import Consent, Customer, Purpose
from rapport.customers.tests.factories import with_email
from rapport.messaging.services import queue_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(people):
    customer = Customer.objects.get(user=people["customer"])
    with_email(customer)
    return customer


@pytest.fixture
def mail_links(ann, settings):
    settings.RAPPORT_QUIET_HOURS_START = settings.RAPPORT_QUIET_HOURS_END = 0
    message = queue_message(
        customer=ann,
        template="news",
        context={"link_url": "https://example.org/x"},
        purpose=Purpose.MARKETING,
    )
    path = lambda url: re.sub(r"^https?://[^/]+", "", url)  # noqa: E731
    return {
        "unsubscribe": path(
            re.search(r"<(http[^>]+)>", message.headers["List-Unsubscribe"]).group(1)
        ),
        "open": path(re.search(r'<img src="([^"]+)"', message.body_html).group(1)),
        "click": path(re.findall(r'href="(http[^"]+/m/c/[^"]+)"', message.body_html)[1]),
    }


def own(code):
    """Customers get their own record; staff have no customer record here."""
    return {
        "anonymous": REDIRECT_LOGIN,
        "customer": code,
        "other_customer": code,
        "employee": NOT_FOUND,
        "manager": NOT_FOUND,
    }


def everyone(code):
    return dict.fromkeys(["anonymous", "customer", "other_customer", "employee", "manager"], code)


def test_permission_matrix_for_account_and_mail_urls(clients, ann, mail_links):
    profile = reverse("storefront:profile")
    rows = [
        Row("profile", profile, own(200)),
        Row("profile edit", reverse("storefront:profile_edit"), own(200)),
        Row("next question", reverse("storefront:profile_question"), own(200)),
        Row(
            "answer",
            reverse("storefront:profile_answer"),
            own(f"redirect:{profile}"),
            method="post",
            data={"question": "occupation", "value": "student"},
        ),
        Row(
            "dismiss",
            reverse("storefront:profile_dismiss"),
            own(f"redirect:{profile}"),
            method="post",
            data={"question": "gender"},
        ),
        Row("preferences", reverse("storefront:preferences"), own(200)),
        Row("my data", reverse("storefront:mydata"), own(200)),
        Row("export", reverse("storefront:mydata_export"), own(200), method="post"),
        Row("unsubscribe page", mail_links["unsubscribe"], everyone(200)),
        Row(
            "one-click unsubscribe",
            mail_links["unsubscribe"],
            everyone(200),
            method="post",
            data={"List-Unsubscribe": "One-Click"},
        ),
        Row("open pixel", mail_links["open"], everyone(200)),
        Row("click", mail_links["click"], everyone("redirect:https://example.org/x")),
        Row("forged click", "/m/c/forged/", everyone(NOT_FOUND)),
    ]
    assert check_matrix(rows, clients, {}) == []


def test_htmx_answer_returns_the_next_question_fragment(clients, ann):
    response = clients["customer"].post(
        reverse("storefront:profile_answer"),
        {"question": "occupation", "value": "engineer"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="next-question"')
    assert 'value="interests"' in html and "<html" not in html
    ann.refresh_from_db()
    assert ann.occupation.slug == "engineer"


def test_bad_answer_is_a_clear_400_and_stores_nothing(clients, ann):
    response = clients["customer"].post(
        reverse("storefront:profile_answer"), {"question": "occupation", "value": "pirate"}
    )

    assert response.status_code == 400
    ann.refresh_from_db()
    assert ann.occupation_id is None


def test_answers_change_only_the_callers_own_record(clients, ann, people):
    clients["other_customer"].post(
        reverse("storefront:profile_answer"), {"question": "birth_month", "value": "5"}
    )

    ann.refresh_from_db()
    bob = Customer.objects.get(user=people["other_customer"])
    assert (ann.birth_month, bob.birth_month) == (None, 5)


def test_preferences_withdraw_marketing_and_refuse_tracking(clients, ann):
    point = ann.contact_points.get()

    response = clients["customer"].post(
        reverse("storefront:preferences"), {f"consent-{point.pk}-surveys": "on"}
    )

    assert response.status_code == 302
    consents = dict(Consent.objects.filter(contact_point=point).values_list("purpose", "granted"))
    assert consents == {"transactional": True, "marketing": False, "surveys": True}
    ann.refresh_from_db()
    assert ann.allow_tracking is False
    assert Consent.objects.get(contact_point=point, purpose="marketing").source == "preference page"


def test_customer_downloads_own_data_and_the_export_is_logged(clients, ann):
    response = clients["customer"].post(reverse("storefront:mydata_export"))

    data = json.loads(response.content)
    assert response["Content-Disposition"].startswith("attachment;")
    assert data["customer"]["email"] == "ann@example.com"
    assert AuditEntry.objects.filter(customer=ann, action="customer.data_exported").count() == 1


def test_profile_edit_rejects_a_future_birthday(clients, ann):
    response = clients["customer"].post(
        reverse("storefront:profile_edit"),
        {"name": "Ann", "birthday": "2999-01-01", "time_zone": "UTC"},
    )

    assert response.status_code == 200
    assert "A birthday must be in the past." in response.content.decode()
    ann.refresh_from_db()
    assert ann.birthday is None and ann.name == "Ann Buyer"
