"""Permission matrix of the help centre (public) and the support pages of the portal (staff)."""

import pytest
from django.conf import settings
from django.urls import reverse

from rapport.core.testing import (
    NOT_FOUND,
    REDIRECT_HOME,
    STAFF_ONLY,
    Row,
    check_matrix,
    expect,
    redirect_to,
)
from rapport.customers.models import Customer
from rapport.support import knowledge
from rapport.support.inbound import not_helpful_url
from rapport.support.models import ArticleCategory, InboundMail, InboundStatus, SupportCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(people):
    category = ArticleCategory.objects.create(slug="orders", name="Orders")
    article = knowledge.save_article(
        actor=None, category=category, title="Tracking", body="Open your orders.", publish=True
    )
    draft = knowledge.save_article(actor=None, category=category, title="Draft", body="Soon.")
    ann = Customer.objects.get(user=people["customer"])
    mail = InboundMail.objects.create(
        raw=b"x", from_address="ann@example.com", customer=ann, status=InboundStatus.AUTO_REPLIED
    )
    case = SupportCase.objects.create(
        number="S1", customer=ann, email="ann@example.com", subject="Where", question="Where?"
    )
    return {"article": article, "draft": draft, "mail": mail, "case": case}


def test_help_centre_is_public_and_portal_support_pages_are_staff_only(clients, objects):
    article, case = objects["article"], objects["case"]
    token_path = not_helpful_url(objects["mail"]).removeprefix(settings.RAPPORT_SITE_URL)
    case_url = reverse("portal:support_case", args=[case.public_id])
    rows = [
        Row("storefront:help", reverse("storefront:help"), expect(everyone=200)),
        Row("help search", reverse("storefront:help") + "?q=orders", expect(everyone=200)),
        Row(
            "storefront:help_article",
            reverse("storefront:help_article", args=[article.slug]),
            expect(everyone=200),
        ),
        Row(
            "a draft is not in the store",
            reverse("storefront:help_article", args=[objects["draft"].slug]),
            expect(everyone=NOT_FOUND),
        ),
        Row(
            "storefront:help_vote",
            reverse("storefront:help_vote", args=[article.slug]),
            expect(everyone=redirect_to(reverse("storefront:help_article", args=[article.slug]))),
            method="post",
            data={"helpful": "yes"},
        ),
        Row("storefront:help_not_helpful", token_path, expect(everyone=200)),
        Row(
            "not helpful, forged token",
            reverse("storefront:help_not_helpful", args=["forged"]),
            expect(everyone=NOT_FOUND),
        ),
        Row("portal:support_cases", reverse("portal:support_cases"), expect(**STAFF_ONLY)),
        Row("portal:support_case", case_url, expect(**STAFF_ONLY)),
        Row(
            "portal:support_case_close",
            reverse("portal:support_case_close", args=[case.public_id]),
            expect(non_staff=REDIRECT_HOME, staff=redirect_to(case_url)),
            method="post",
            data={"answered": "1"},
        ),
        Row("portal:support_inbox", reverse("portal:support_inbox"), expect(**STAFF_ONLY)),
        Row("portal:kb_articles", reverse("portal:kb_articles"), expect(**STAFF_ONLY)),
        Row("portal:kb_article_create", reverse("portal:kb_article_create"), expect(**STAFF_ONLY)),
        Row(
            "portal:kb_article",
            reverse("portal:kb_article", args=[objects["draft"].public_id]),
            expect(**STAFF_ONLY),
        ),
    ]

    assert check_matrix(rows, clients, objects) == []


def test_staff_write_and_publish_an_article_in_the_portal(clients, objects):
    from rapport.support.models import Article

    response = clients["employee"].post(
        reverse("portal:kb_article_create"),
        {
            "category": ArticleCategory.objects.get().pk,
            "title": "Gift wrapping",
            "body": "We wrap gifts for free.",
            "intents": ["place_order"],
            "action": "publish",
        },
    )

    article = Article.objects.get(title="Gift wrapping")
    assert response.status_code == 302 and article.status == "published"
    assert article.revisions.count() == 1
    refused = clients["customer"].post(
        reverse("portal:kb_article_create"), {"title": "Spam", "body": "x", "action": "publish"}
    )
    assert refused.status_code == 302 and not Article.objects.filter(title="Spam").exists()
