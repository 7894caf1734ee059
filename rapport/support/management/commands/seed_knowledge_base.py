"""Seed the knowledge base with the shop's FAQ (adapted from the Kaggle e-commerce FAQ set).

Idempotent: categories and articles that exist (by slug / title) are left as they are, so
staff edits survive a re-run. Every one of the 27 support intents gets an answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from rapport.support import knowledge
from rapport.support.models import Article, ArticleCategory, IntentArticle

SEED_FILE = Path(__file__).resolve().parents[2] / "seed" / "knowledge_base.json"


class Command(BaseCommand):
    help = "Create the knowledge-base categories and articles (skips what exists)."

    def handle(self, *args: Any, **options: Any) -> None:
        seed = json.loads(SEED_FILE.read_text(encoding="utf-8"))
        categories = {}
        for position, (slug, name) in enumerate(seed["categories"]):
            categories[slug], _created = ArticleCategory.objects.get_or_create(
                slug=slug, defaults={"name": name, "position": position}
            )
        created = 0
        by_intent: dict[str, tuple[list[Article], list[Article]]] = {}
        for item in seed["articles"]:
            article = Article.objects.filter(title=item["title"]).first()
            if article is None:
                article = knowledge.save_article(
                    actor=None,
                    category=categories[item["category"]],
                    title=item["title"],
                    body=item["body"].replace("{support}", settings.RAPPORT_SUPPORT_ADDRESS),
                    source=item["source"],
                    publish=True,
                )
                created += 1
            for n, intent in enumerate(item["intents"]):
                first, later = by_intent.setdefault(intent, ([], []))
                (first if n == 0 else later).append(article)
        linked = 0
        for intent, (first, later) in by_intent.items():
            if not IntentArticle.objects.filter(intent=intent).exists():
                knowledge.set_intent_articles(intent=intent, articles=first + later, actor=None)
                linked += 1
        self.stdout.write(
            f"Knowledge base: {created} articles created, {linked} intents linked "
            f"({Article.objects.count()} articles in all)."
        )
