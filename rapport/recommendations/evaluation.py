"""Offline evaluation on a time split: train on baskets before a cutoff, test on each customer's
next basket after it. Our rules against two baselines (global popularity, raw co-occurrence).

Protocol (same for the three methods): a test customer has at least one basket before the cutoff
and one after; their *history* is every item of their training baskets; the *target* is the
items of their first basket after the cutoff that are not in the history (we never re-suggest
what was bought, so a method is only credited with new items). Each method ranks 10 items not in
the history:

- popularity: the items in most training baskets;
- co-occurrence: Σ over history items h of count(h, c), every pair, no thresholds;
- rules (ours): Σ over history items h of confidence(h → c) over the stored top-N rules that
  pass the thresholds, then popularity to fill the list when the rules run out.

hit-rate@10 = share of customers with at least one target item in their 10;
recall@10 = mean of |10 ∩ target| / |target|; coverage = distinct items recommended / items seen
in training.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from rapport.recommendations import mining


@dataclass(frozen=True)
class Basket:
    customer: str
    placed_at: datetime.datetime
    items: frozenset[str]


def load_online_retail(path: Path) -> list[Basket]:
    """Baskets from the Online Retail CSV: sale invoices' product lines, by the importer's rules
    (`rapport.imports.online_retail.classify_row`), so the file and the database agree."""
    from rapport.imports.csvfiles import read_rows
    from rapport.imports.online_retail import classify_row
    from rapport.orders.models import LineKind

    dates: dict[str, datetime.datetime] = {}
    items: dict[str, set[str]] = {}
    meta: dict[str, tuple[str, datetime.datetime]] = {}
    for _number, row in read_rows(path):
        line = classify_row(row, dates)
        if isinstance(line, str) or line.is_credit_note or line.kind != LineKind.PRODUCT:
            continue
        items.setdefault(line.invoice, set()).add(line.code)
        meta.setdefault(line.invoice, (line.customer_ref, line.placed_at))
    return sorted(
        (
            Basket(customer=meta[k][0], placed_at=meta[k][1], items=frozenset(v))
            for k, v in items.items()
        ),
        key=lambda b: b.placed_at,
    )


def load_from_database() -> list[Basket]:
    """The same baskets from the orders in the database (real orders, product lines)."""
    from rapport.orders.models import LineKind, OrderKind, OrderLine

    items: dict[int, set[str]] = {}
    meta: dict[int, tuple[str, datetime.datetime]] = {}
    rows = OrderLine.objects.filter(
        order__kind=OrderKind.ORDER, kind=LineKind.PRODUCT, product__isnull=False
    ).values_list("order_id", "product_id", "order__customer_id", "order__placed_at")
    for order_id, product_id, customer_id, placed_at in rows.iterator(chunk_size=20_000):
        items.setdefault(order_id, set()).add(str(product_id))
        meta.setdefault(order_id, (str(customer_id or ""), placed_at))
    return sorted(
        (
            Basket(customer=meta[k][0], placed_at=meta[k][1], items=frozenset(v))
            for k, v in items.items()
        ),
        key=lambda b: b.placed_at,
    )


@dataclass
class Scores:
    hit_rate: float
    recall: float
    coverage: float


def _top_k(scores: np.ndarray, history: np.ndarray, fill: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best-scoring items not in history (ties and gaps filled from `fill`)."""
    scores = scores.astype(float).copy()
    scores[history] = -np.inf
    positive = np.flatnonzero(scores > 0)
    ranked = positive[np.lexsort((positive, -scores[positive]))][:k]
    if len(ranked) < k:
        taken = set(ranked.tolist()) | set(history.tolist())
        extra = [i for i in fill if i not in taken][: k - len(ranked)]
        ranked = np.concatenate([ranked, np.array(extra, dtype=int)])
    return ranked


def evaluate(
    baskets: list[Basket],
    *,
    cutoff: datetime.datetime,
    min_support: float,
    min_confidence: float,
    min_lift: float,
    top_n: int,
    k: int = 10,
) -> dict[str, object]:
    """Hit-rate@k, recall@k and coverage of the three methods on a time split."""
    train = [b for b in baskets if b.placed_at < cutoff]
    test = [b for b in baskets if b.placed_at >= cutoff]
    codes = sorted({c for b in train for c in b.items})
    index = {c: i for i, c in enumerate(codes)}
    train_ids = [[index[c] for c in b.items] for b in train]
    counts = mining.count(train_ids)  # items are 0..n-1, aligned with codes
    n_items = len(codes)
    item_counts = np.zeros(n_items, dtype=np.int64)
    item_counts[counts.items] = counts.item_counts
    popular = np.lexsort((np.arange(n_items), -item_counts))[: 10 * k + 1000]

    upper = counts.pairs.tocoo()
    pos = counts.items
    co = sparse.csr_matrix((upper.data, (pos[upper.row], pos[upper.col])), shape=(n_items, n_items))
    co = (co + co.T).tocsr()
    rules = mining.rules(
        counts,
        min_support=min_support,
        min_confidence=min_confidence,
        min_lift=min_lift,
        top_n=top_n,
    )
    conf = sparse.csr_matrix(
        (
            [r.confidence for r in rules],
            ([r.antecedent for r in rules], [r.consequent for r in rules]),
        ),
        shape=(n_items, n_items),
    )

    history: dict[str, set[int]] = {}
    for b in train:
        if b.customer:
            history.setdefault(b.customer, set()).update(index[c] for c in b.items)
    targets: dict[str, set[int]] = {}
    for b in test:
        if b.customer in history and b.customer not in targets:
            targets[b.customer] = {index[c] for c in b.items if c in index} - history[b.customer]
    cases = [(c, t) for c, t in targets.items() if t]

    results: dict[str, object] = {
        "train_baskets": len(train),
        "test_customers": len(cases),
        "items": n_items,
        "rule_count": len(rules),
    }
    for method in ("popularity", "co_occurrence", "rules"):
        hits, recall, shown = 0, 0.0, set()
        for customer, target in cases:
            seen = np.fromiter(history[customer], dtype=int)
            h = np.zeros(n_items)
            h[seen] = 1.0
            if method == "popularity":
                scores = np.zeros(n_items)
            elif method == "co_occurrence":
                scores = co.T @ h
            else:
                scores = conf.T @ h
            top = _top_k(scores, seen, popular, k)
            found = len(target & set(top.tolist()))
            hits += found > 0
            recall += found / len(target)
            shown.update(top.tolist())
        results[method] = Scores(
            hit_rate=hits / max(len(cases), 1),
            recall=recall / max(len(cases), 1),
            coverage=len(shown) / max(n_items, 1),
        )
    return results


def pair_rule_set(rules: Iterable[mining.Rule]) -> set[tuple[int, int]]:
    return {(r.antecedent, r.consequent) for r in rules}
