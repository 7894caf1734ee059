"""Knowledge base: seeded answers for every intent, revisions, publishing, votes, search, reads."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from rapport.core.models import AuditEntry
from rapport.customers.models import Customer
from rapport.support import knowledge, queries
from rapport.support.intents.catalogue import INTENTS
from rapport.support.models import (
    Article,
    ArticleCategory,
    ArticleRead,
    ArticleStatus,
    IntentArticle,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def category():
    return ArticleCategory.objects.create(slug="orders", name="Orders")


def test_seed_gives_every_intent_a_published_answer_and_is_idempotent():
    call_command("seed_knowledge_base", stdout=StringIO())
    count = Article.objects.count()

    call_command("seed_knowledge_base", stdout=StringIO())

    assert Article.objects.count() == count == 90
    for intent in INTENTS:
        assert queries.answer_for_intent(intent) is not None, intent
    assert queries.answer_for_intent("check_invoice").title == "How do I see my invoices?"
    assert Article.objects.filter(source__startswith="Adapted from the Kaggle").count() == 79
    assert not Article.objects.filter(body__contains="{support}").exists()


def test_every_save_keeps_a_revision_and_publishing_dates_the_article(category, people):
    staff = people["employee"]
    article = knowledge.save_article(
        actor=staff, category=category, title="Gift wrap", body="We wrap.", intents=["place_order"]
    )
    assert article.status == ArticleStatus.DRAFT

    edited = knowledge.save_article(
        actor=staff,
        article=article,
        category=category,
        title="Gift wrapping",
        body="We wrap gifts.",
        publish=True,
    )

    assert edited.revision == 2 and edited.status == ArticleStatus.PUBLISHED
    assert edited.published_at is not None
    assert [(r.number, r.title) for r in edited.revisions.all()] == [
        (2, "Gift wrapping"),
        (1, "Gift wrap"),
    ]
    assert list(IntentArticle.objects.filter(article=edited).values_list("intent", flat=True)) == [
        "place_order"
    ]


def test_an_empty_article_or_unknown_intent_is_refused_and_nothing_written(category):
    with pytest.raises(knowledge.KnowledgeError):
        knowledge.save_article(actor=None, category=category, title=" ", body="x")
    with pytest.raises(knowledge.KnowledgeError):
        knowledge.save_article(
            actor=None, category=category, title="t", body="b", intents=["fly_to_the_moon"]
        )

    assert Article.objects.count() == 0


def test_a_voter_counts_once(category):
    article = knowledge.save_article(
        actor=None, category=category, title="Refunds", body="Money back.", publish=True
    )

    assert knowledge.vote(article=article, voter="user:1", helpful=True) is True
    assert knowledge.vote(article=article, voter="user:1", helpful=False) is False
    assert knowledge.vote(article=article, voter="user:2", helpful=False) is True

    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (1, 1)


def test_search_finds_published_articles_by_stemmed_words_and_skips_drafts(category):
    knowledge.save_article(
        actor=None,
        category=category,
        title="Tracking your parcel",
        body="Open your orders to see where the parcel is.",
        publish=True,
    )
    knowledge.save_article(
        actor=None, category=category, title="Parcel draft", body="Not yet.", publish=False
    )

    found = queries.search_articles("parcel")

    assert [a.title for a in found] == ["Tracking your parcel"]
    assert queries.search_articles("") == []
    assert queries.search_articles("zebra") == []


def test_articles_read_before_a_ticket_land_on_the_timeline(category, people, client):
    from rapport.core.testing import login_customer

    customer = Customer.objects.get(user=people["customer"])
    article = knowledge.save_article(
        actor=None, category=category, title="Broken item", body="Open a ticket.", publish=True
    )
    login_customer(client, people["customer"])

    response = client.get(reverse("storefront:help_article", args=[article.slug]))
    titles = knowledge.record_reads_before_ticket(
        customer=customer, ticket_label="ticket T1", actor=people["customer"]
    )

    assert response.status_code == 200
    assert ArticleRead.objects.filter(customer=customer, article=article).exists()
    assert titles == ["Broken item"]
    entry = AuditEntry.objects.get(action="ticket.articles_read")
    assert entry.customer == customer and "Broken item" in entry.summary


def test_help_pages_search_and_vote_over_http(category, client):
    article = knowledge.save_article(
        actor=None,
        category=category,
        title="Cancelling an order",
        body="Cancel before shipping.",
        publish=True,
    )

    listing = client.get(reverse("storefront:help"))
    results = client.get(reverse("storefront:help"), {"q": "cancel"})
    vote = client.post(reverse("storefront:help_vote", args=[article.slug]), {"helpful": "yes"})

    assert "Cancelling an order" in listing.content.decode()
    assert "Cancelling an order" in results.content.decode()
    assert vote.status_code == 302
    article.refresh_from_db()
    assert article.helpful_yes == 1
