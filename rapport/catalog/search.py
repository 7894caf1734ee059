"""Catalogue search with ranking, typo tolerance and autocomplete.

PostgreSQL: full-text (`SearchVector`/`SearchRank`, GIN-indexed in migration 0003): whole
words, else prefixes, else words corrected against the vocabulary (typos); the trigram index
(`pg_trgm`) serves autocomplete's prefix match. SQLite (the embedded
default): every word must appear in the name or description (LIKE); when nothing matches, each
word is corrected against the catalogue's vocabulary with difflib and the search runs again.
"""

from __future__ import annotations

import difflib
import re

from django.core.cache import cache
from django.db import connection
from django.db.models import F, Q, QuerySet

from rapport.catalog import cache as catalog_cache
from rapport.catalog.models import Product
from rapport.catalog.queries import sellable_products

MAX_QUERY = 100
WORD = re.compile(r"\w+", re.UNICODE)


def words(query: str) -> list[str]:
    return WORD.findall(query.lower()[:MAX_QUERY])[:8]


def search_products(query: str) -> QuerySet[Product]:
    """Sellable products matching `query`, best first. An empty query matches nothing."""
    terms = words(query)
    if not terms:
        return sellable_products().none()
    if connection.vendor == "postgresql":
        return _search_postgres(" ".join(terms))
    return _search_fallback(terms)


def autocomplete(query: str, limit: int = 8) -> list[Product]:
    """A few names for the search box as the customer types (prefix first, then similar)."""
    terms = words(query)
    if not terms or len(" ".join(terms)) < 2:
        return []
    text = " ".join(terms)
    base = sellable_products().only("pk", "public_id", "name", "slug", "price")
    found = list(base.filter(name__istartswith=text).order_by("name")[:limit])
    if len(found) < limit:
        found += list(
            search_products(text)
            .exclude(pk__in=[p.pk for p in found])
            .select_related(None)
            .only("pk", "public_id", "name", "slug", "price")[: limit - len(found)]
        )
    return found


def _search_postgres(text: str) -> QuerySet[Product]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    # Whole words first: the GIN index answers them without re-checking rows. Then every word
    # as a prefix (the last one may be half typed), then each word corrected against the
    # catalogue's vocabulary (typos); each step runs only when the one before found nothing.
    # The earlier single OR with trigram similarity re-checked every candidate row against the
    # description's tsvector: seconds per search, and 20 s for a typo, at 300,000 products.
    qs = _full_text(text, search_type="plain")
    if not qs.exists():
        qs = _full_text(" & ".join(f"{w}:*" for w in text.split()), search_type="raw")
        # count(), not exists(): for a prefix, LIMIT 1 makes the planner pick a sequential scan
        # that builds the tsvector of every row (19 s at 300,000 products when nothing matches).
        if not qs.count():
            corrected = " ".join(_correct(w) for w in text.split())
            if corrected != text:
                qs = _full_text(corrected, search_type="plain")
    # Ranked on the name's vector only (a name match counts most; the description's vector is
    # not rebuilt for every row of a large result), then by name.
    words_query = SearchQuery(text, config="simple", search_type="plain")
    return (
        qs.annotate(rank=SearchRank(SearchVector("name", config="simple"), words_query))
        .select_related("category")
        .order_by(F("rank").desc(), "name", "pk")
    )


def _full_text(text: str, *, search_type: str) -> QuerySet[Product]:
    from django.contrib.postgres.search import SearchQuery, SearchVector

    # The same expression as the GIN index in migration 0003, so PostgreSQL can use the index.
    vector = SearchVector("name", "description", config="simple")
    query = SearchQuery(text, config="simple", search_type=search_type)
    return sellable_products().alias(search=vector).filter(search=query)


def _search_fallback(terms: list[str]) -> QuerySet[Product]:
    qs = _match_all(terms)
    if not qs.exists():
        corrected = [_correct(t) for t in terms]
        if corrected != terms:
            qs = _match_all(corrected)
    return qs.select_related("category").order_by("name", "pk")


def _match_all(terms: list[str]) -> QuerySet[Product]:
    qs = sellable_products()
    for term in terms:
        qs = qs.filter(Q(name__icontains=term) | Q(description__icontains=term))
    return qs


def _vocabulary() -> list[str]:
    key = f"catalog:vocab:{catalog_cache.version()}"
    vocab = cache.get(key)
    if vocab is None:
        seen: set[str] = set()
        for name in sellable_products().values_list("name", flat=True).iterator():
            seen.update(w for w in WORD.findall(name.lower()) if len(w) > 2)
        vocab = sorted(seen)
        cache.set(key, vocab, 3600)
    return list(vocab)


def _correct(term: str) -> str:
    """The closest catalogue word to a misspelt one (or the word itself)."""
    match = difflib.get_close_matches(term, _vocabulary(), n=1, cutoff=0.75)
    return match[0] if match else term
