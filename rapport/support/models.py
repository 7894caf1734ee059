"""Self-service: the knowledge base, inbound support mail, leads and support cases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel
from rapport.support.fields import SearchDocumentField
from rapport.support.intents.catalogue import INTENT_CHOICES, Team


class ArticleCategory(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "article categories"

    def __str__(self) -> str:
        return self.name


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Article(PublicIdModel, TimeStampedModel):
    category = models.ForeignKey(ArticleCategory, on_delete=models.PROTECT, related_name="articles")
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    status = models.CharField(
        max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # Where the text came from, e.g. "Adapted from the Kaggle e-commerce FAQ, question 3".
    source = models.CharField(max_length=200, blank=True)
    revision = models.PositiveIntegerField(default=1)
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)
    views = models.PositiveIntegerField(default=0)
    # PostgreSQL: title (weight A) and text (B), kept by `knowledge.save_article` and GIN-indexed
    # (migration 0002); empty on SQLite, which searches with LIKE instead.
    search_vector = SearchDocumentField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["category__position", "title"]

    def __str__(self) -> str:
        return self.title


class ArticleRevision(models.Model):
    """Every saved version of an article, kept (the article row holds the current one)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=ArticleStatus.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"


class IntentArticle(models.Model):
    """The article that answers an intent (position 0 is the automatic reply)."""

    intent = models.CharField(max_length=40, choices=INTENT_CHOICES, db_index=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="intent_links")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["intent", "position"]
        constraints = [
            models.UniqueConstraint(fields=["intent", "article"], name="intent_article_unique")
        ]

    def __str__(self) -> str:
        return f"{self.intent} → {self.article_id}"


class ArticleVote(models.Model):
    """One "was this helpful?" answer per voter (a user, or an anonymous session)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    voter = models.CharField(max_length=80)
    helpful = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "voter"], name="article_vote_once")
        ]

    def __str__(self) -> str:
        return f"{self.voter} on {self.article_id}: {self.helpful}"


class ArticleRead(models.Model):
    """A signed-in customer read an article (last time), for the timeline when they ask."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="article_reads"
    )
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "article"], name="article_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} read {self.article_id}"


class Lead(TimeStampedModel):
    """Someone who wrote to support from an address no customer record has (not a customer)."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200, blank=True)
    mails = models.PositiveIntegerField(default=0)
    last_mail_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.email


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    AUTO_REPLIED = "auto_replied", _("Answered automatically")
    CASE_OPENED = "case_opened", _("Case opened")
    IGNORED = "ignored", _("Not answered (automatic or list mail)")
    FAILED = "failed", _("Could not be processed")


class InboundMail(PublicIdModel, TimeStampedModel):
    """One mail received by the support inbox; the raw bytes are always kept."""

    raw = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    envelope_from = models.CharField(max_length=320, blank=True)
    envelope_to = models.CharField(max_length=1000, blank=True)
    from_address = models.CharField(max_length=320, blank=True, db_index=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=300, blank=True, db_index=True)
    references = models.TextField(blank=True)
    question = models.TextField(blank=True)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="mails_received"
    )
    status = models.CharField(
        max_length=14, choices=InboundStatus.choices, default=InboundStatus.RECEIVED, db_index=True
    )
    reason = models.CharField(max_length=300, blank=True)
    intent = models.CharField(max_length=40, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["from_address", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject[:60]}"


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class SupportCase(PublicIdModel, TimeStampedModel):
    """A question a person must answer: routed to a team by its intent."""

    number = models.CharField(max_length=40, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="support_cases",
    )
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    email = models.CharField(max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    question = models.TextField(_("question"))
    intent = models.CharField(max_length=40, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    team = models.CharField(max_length=10, choices=Team.choices, default=Team.SERVICE)
    status = models.CharField(
        max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN, db_index=True
    )
    # Why it reached a person: low confidence, no article, "didn't help", reply limit …
    reason = models.CharField(max_length=200, blank=True)
    inbound = models.ForeignKey(
        InboundMail, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    suggested = models.ManyToManyField(Article, blank=True, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.subject[:60]}"
