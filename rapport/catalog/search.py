"""Catalogue search with ranking, typo tolerance and autocomplete.

Ranking: products with every word in the name first, then those with the words anywhere in the
name and description; each group by name. At most `MAX_RESULTS` products are ranked and shown
(the count says "more than" past it): a common word matches tens of thousands of products at
300,000, and fetching and sorting all of them costs more than a shopper ever pages through.

PostgreSQL: full text on two stored, generated columns with GIN indexes (migration 0004):
`name_vector` (name) and `search_vector` (name and description): whole words, else prefixes,
else each word corrected against the vocabulary (typos); the trigram index (`pg_trgm`) serves
autocomplete's prefix match. SQLite (the embedded default): the same groups with LIKE; when
nothing matches, each word is corrected against the catalogue's vocabulary with difflib.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Sequence
from typing import overload

from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from rapport.catalog import cache as catalog_cache
from rapport.catalog.models import Product
from rapport.catalog.queries import sellable_products

MAX_QUERY = 100
MAX_RESULTS = 1000
WORD = re.compile(r"[^\W_]+", re.UNICODE)
CANDIDATES_TTL = 300  # seconds; the same as the search results fragment


def words(query: str) -> list[str]:
    return WORD.findall(query.lower()[:MAX_QUERY])[:8]


class SearchResults(Sequence[Product]):
    """The ranked results of one search, as a sequence a `Paginator` can page through.

    `count()` is the number of products reachable (at most `MAX_RESULTS`); `more` says whether
    the search matched more than that. A slice costs one query for its rows, whatever its depth.
    """

    def __init__(self, ranked_ids: list[int], more: bool) -> None:
        self.ids = ranked_ids
        self.more = more

    def count(self) -> int:  # type: ignore[override]  # Paginator calls count() with no value
        return len(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Product: ...

    @overload
    def __getitem__(self, index: slice) -> list[Product]: ...

    def __getitem__(self, index: int | slice) -> Product | list[Product]:
        if isinstance(index, int):
            return self[index : index + 1 or None][0]
        ids = self.ids[index]
        rows = sellable_products().select_related("category").in_bulk(ids)
        return [rows[pk] for pk in ids if pk in rows]


def search_products(query: str) -> SearchResults:
    """Sellable products matching `query`, best first (see the module's docstring). An empty
    query matches nothing. Runs two or three queries on a cache miss (the ranked ids are cached
    under the catalogue version, so the next page of the same search costs one)."""
    terms = words(query)
    if not terms:
        return SearchResults([], more=False)
    digest = hashlib.sha256(" ".join(terms).encode()).hexdigest()
    key = f"catalog:search:{catalog_cache.version()}:{digest}"
    found = cache.get(key)
    if found is None:
        found = _rank(terms)
        cache.set(key, found, CANDIDATES_TTL)
    ids, more = found
    return SearchResults(ids, more)


def autocomplete(query: str, limit: int = 8) -> list[Product]:
    """A few names for the search box as the customer types (prefix first, then similar)."""
    terms = words(query)
    if not terms or len(" ".join(terms)) < 2:
        return []
    text = " ".join(terms)
    base = sellable_products().only("pk", "public_id", "name", "slug", "price")
    found = list(base.filter(name__istartswith=text).order_by("name")[:limit])
    if len(found) < limit:
        seen = {p.pk for p in found}
        more = [pk for pk in search_products(text).ids[: 2 * limit] if pk not in seen]
        rows = base.in_bulk(more[: limit - len(found)])
        found += [rows[pk] for pk in more if pk in rows]
    return found[:limit]


def _rank(terms: list[str]) -> tuple[list[int], bool]:
    """Ids of up to MAX_RESULTS matches, ranked, and whether more matched. Whole words first;
    then, on PostgreSQL, prefixes (the last word may be half typed); then each word corrected
    against the vocabulary (typos). Each step runs only when the one before found nothing."""
    if connection.vendor == "postgresql":
        steps = [
            lambda: _groups_postgres(" & ".join(terms)),
            lambda: _groups_postgres(" & ".join(f"{t}:*" for t in terms)),
        ]
    else:
        steps = [lambda: _groups_like(terms)]
    for step in steps:
        found = _top(*step())
        if found[0]:
            return found
    corrected = [_correct(t) for t in terms]
    if corrected == terms:
        return [], False
    if connection.vendor == "postgresql":
        return _top(*_groups_postgres(" & ".join(corrected)))
    return _top(*_groups_like(corrected))


def _top(in_name: QuerySet[Product], elsewhere: QuerySet[Product]) -> tuple[list[int], bool]:
    """Rank the matches: every word in the name first, then the rest, each group by name.

    Only the first MAX_RESULTS + 1 matches of each group are fetched (in whatever order the
    index gives them), so a word that matches 20,000 products costs a bounded number of rows;
    the second group is read only when the first leaves room.
    """
    # order_by(): the model's default order (by name) would make PostgreSQL walk the name index
    # and test every row until it has enough: seconds when the word sorts late.
    rows = list(in_name.order_by().values_list("pk", "name")[: MAX_RESULTS + 1])
    first = len(rows)
    if first <= MAX_RESULTS:
        rows += elsewhere.order_by().values_list("pk", "name")[: MAX_RESULTS + 1 - first]
    ranked = sorted(enumerate(rows), key=lambda r: (r[0] >= first, r[1][1].casefold(), r[1][0]))
    ids = [pk for _, (pk, _name) in ranked]
    return ids[:MAX_RESULTS], len(ids) > MAX_RESULTS


def _groups_postgres(tsquery: str) -> tuple[QuerySet[Product], QuerySet[Product]]:
    """Matches of a `to_tsquery` text on the stored vectors (migration 0004): in the name, and in
    the name and description but not all in the name. The words are `WORD` matches, so they hold
    no tsquery operators."""
    from django.contrib.postgres.search import SearchQuery, SearchVectorField

    query = SearchQuery(tsquery, config="simple", search_type="raw")
    # The generated columns are not model fields (Django would select them with every product);
    # unqualified names resolve to catalog_product, the only table in these queries.
    name = RawSQL("name_vector", (), output_field=SearchVectorField())
    text = RawSQL("search_vector", (), output_field=SearchVectorField())
    base = sellable_products().alias(name_vector=name, search_vector=text)
    return (
        base.filter(name_vector=query),
        base.filter(search_vector=query).exclude(name_vector=query),
    )


def _groups_like(terms: list[str]) -> tuple[QuerySet[Product], QuerySet[Product]]:
    in_name = Q()
    anywhere = Q()
    for term in terms:
        in_name &= Q(name__icontains=term)
        anywhere &= Q(name__icontains=term) | Q(description__icontains=term)
    base = sellable_products()
    return base.filter(in_name), base.filter(anywhere).exclude(in_name)


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
