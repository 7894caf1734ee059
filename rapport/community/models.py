"""Community Q&A: customers ask about a product or a topic; customers and staff answer.

Votes (one per person per answer), an accepted answer per question (chosen by the asker or
staff), reports by signed-in customers and staff hiding/showing content.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel
from rapport.support.fields import SearchDocumentField


class Topic(models.Model):
    """A subject questions can be asked under when they are not about one product."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=80, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    description_zh_hans = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language (Chinese when asked for and known)."""
        if (translation.get_language() or "").startswith("zh") and self.name_zh_hans:
            return self.name_zh_hans
        return self.name

    @property
    def blurb(self) -> str:
        if (translation.get_language() or "").startswith("zh") and self.description_zh_hans:
            return self.description_zh_hans
        return self.description


class Question(PublicIdModel, TimeStampedModel):
    # About a product or under a topic (exactly one of the two).
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="community_questions",
    )
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="questions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_questions",
    )
    author_name = models.CharField(max_length=80, blank=True)
    title = models.CharField(_("question"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    accepted_answer = models.ForeignKey(
        "community.Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer_count = models.PositiveIntegerField(default=0)  # visible answers
    is_hidden = models.BooleanField(default=False, db_index=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # PostgreSQL: title (weight A), details (B) and the visible answers (C), kept by the
    # services and GIN-indexed (migration 0002); empty on SQLite, which searches with LIKE.
    search_vector = SearchDocumentField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(product__isnull=False, topic__isnull=True)
                | models.Q(product__isnull=True, topic__isnull=False),
                name="community_question_product_xor_topic",
            )
        ]
        indexes = [
            models.Index(fields=["product", "is_hidden", "created_at"]),
            models.Index(fields=["topic", "is_hidden", "created_at"]),
            models.Index(fields=["author", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class Answer(PublicIdModel, TimeStampedModel):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_answers",
    )
    author_name = models.CharField(max_length=80, blank=True)
    # Written by an employee: shown with a "staff" mark.
    by_staff = models.BooleanField(default=False)
    body = models.TextField(_("answer"))
    votes = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(default=False, db_index=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-votes", "created_at", "id"]
        indexes = [
            models.Index(fields=["question", "is_hidden"]),
            models.Index(fields=["author", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question_id}"


class AnswerVote(models.Model):
    """One vote per person per answer (never on one's own answer)."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="vote_rows")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["answer", "voter"], name="community_vote_once")
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.answer_id}"


class Report(models.Model):
    """A signed-in person's report of a question or an answer, open until staff decide."""

    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(question__isnull=False, answer__isnull=True)
                | models.Q(question__isnull=True, answer__isnull=False),
                name="community_report_question_xor_answer",
            ),
            models.UniqueConstraint(
                fields=["question", "reporter"],
                condition=models.Q(answer__isnull=True, resolved_at__isnull=True),
                name="community_report_question_once",
            ),
            models.UniqueConstraint(
                fields=["answer", "reporter"],
                condition=models.Q(question__isnull=True, resolved_at__isnull=True),
                name="community_report_answer_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk}"
