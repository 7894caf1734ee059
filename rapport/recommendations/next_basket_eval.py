"""Next-basket evaluation on a time split (the `evaluate_next_basket` command's engine).

Train on every sale basket before the cutoff. A *test customer* has at least one training basket
and a sale basket in [cutoff, until); the *target* is the distinct items of their first such
basket (repeats included) that were seen in training (an item never sold before the cutoff can
be recommended by nobody). Every method ranks k items per customer:

- `popularity`: the items in most training baskets;
- `personal_top`: the customer's own items by the number of their baskets holding them, ties by
  popularity, filled with popularity;
- `ours`: the next-basket model (`nextbasket.py`);
- `ours_as_shown`: exactly what the storefront's "Picked for you" block shows
  (`picks.shown`: the first `picks.PICKED_FOR_YOU` of the stored list), at that length, and
  `personal_top_as_shown`, the personal baseline at the same length, for the comparison.

hit_at_k = share of customers with at least one target item in their list; recall_at_k = mean
|list ∩ target| / |target|; ndcg_at_k = mean DCG / ideal DCG (binary gains, log2 discount);
coverage = distinct items recommended / items seen in training.

The older new-items protocol (`evaluation.py`: items never bought before only) is kept as a
second view under `new_items`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse

from rapport.recommendations import evaluation, nextbasket, picks, refresh
from rapport.recommendations.baskets import Basket, History, days, to_history


def _metrics(
    lists: Sequence[np.ndarray], targets: Sequence[set[int]], n_items: int
) -> dict[str, float]:
    hits, recall, ndcg = 0, 0.0, 0.0
    shown: set[int] = set()
    for ranked, target in zip(lists, targets, strict=True):
        ranked_list = ranked.tolist()
        gains = [1.0 if i in target else 0.0 for i in ranked_list]
        found = sum(gains)
        hits += found > 0
        recall += found / len(target)
        dcg = sum(g / np.log2(pos + 2) for pos, g in enumerate(gains))
        ideal = sum(1 / np.log2(pos + 2) for pos in range(min(len(target), len(ranked_list))))
        ndcg += dcg / ideal if ideal else 0.0
        shown.update(ranked_list)
    n = max(len(targets), 1)
    return {
        "hit_at_k": round(hits / n, 4),
        "recall_at_k": round(recall / n, 4),
        "ndcg_at_k": round(ndcg / n, 4),
        "coverage": round(len(shown) / max(n_items, 1), 4),
    }


def split(
    baskets: Sequence[Basket], *, cutoff: datetime.datetime, until: datetime.datetime | None
) -> tuple[History, list[int], list[set[int]]]:
    """The training history and, per test customer (index into history.customers), the target."""
    train = [b for b in baskets if b.placed_at < cutoff]
    history = to_history(train)
    cust_index = {c: i for i, c in enumerate(history.customers)}
    item_index = {c: i for i, c in enumerate(history.items)}
    first: dict[str, Basket] = {}
    for b in baskets:
        if b.placed_at < cutoff or (until is not None and b.placed_at >= until):
            continue
        if b.customer in cust_index and b.customer not in first:
            first[b.customer] = b
    customers, targets = [], []
    for name, b in first.items():
        target = {item_index[c] for c in b.quantities if c in item_index}
        if target:
            customers.append(cust_index[name])
            targets.append(target)
    return history, customers, targets


def personal_top_lists(
    history: History, customers: Sequence[int], popular: np.ndarray, k: int
) -> list[np.ndarray]:
    """Own most-bought items (baskets holding them), ties by popularity, filled with popularity."""
    rank = np.empty(len(popular), dtype=np.int64)
    rank[popular] = np.arange(len(popular))
    x = nextbasket.basket_matrix(history)
    owner = sparse.csr_matrix(
        (
            np.ones(history.basket_count),
            (history.basket_customer, np.arange(history.basket_count)),
        ),
        shape=(len(history.customers), history.basket_count),
    )
    all_counts = (owner @ x).tocsr()
    lists = []
    for c in customers:
        counts = all_counts[c].toarray().ravel()
        own = np.flatnonzero(counts)
        own = own[np.lexsort((rank[own], -counts[own]))][:k]
        if len(own) < k:
            taken = set(own.tolist())
            extra = [i for i in popular[: k + len(own)] if i not in taken][: k - len(own)]
            own = np.concatenate([own, np.asarray(extra, dtype=np.int64)])
        lists.append(own)
    return lists


def evaluate(
    baskets: Sequence[Basket],
    *,
    cutoff: datetime.datetime,
    until: datetime.datetime | None,
    k: int = 10,
    params: nextbasket.Params = nextbasket.DEFAULT,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, object]:
    """The command's JSON object (see the module docstring)."""
    history, customers, targets = split(baskets, cutoff=cutoff, until=until)
    n_items = len(history.items)
    progress(f"{history.basket_count} training baskets, {len(customers)} test customers")
    model, stats = refresh.fit_with_repeats(history, now=days(cutoff), params=params)
    sold = np.bincount(history.line_item, minlength=n_items)
    popular = np.lexsort((np.arange(n_items), -sold))
    shown_length = picks.PICKED_FOR_YOU
    # The very lists the storefront stores (`refresh.compute_lists`), item indices.
    stored = refresh.compute_lists(model, stats, length=max(k, picks.STORED), customers=customers)
    ours = [np.asarray([e[0] for e in stored[c]], dtype=np.int64) for c in customers]
    personal = personal_top_lists(history, customers, popular, max(k, shown_length))
    result: dict[str, object] = {
        "customers": len(customers),
        "k": k,
        "train_baskets": history.basket_count,
        "items": n_items,
        "ours": _metrics([r[:k] for r in ours], targets, n_items),
        "popularity": _metrics([popular[:k]] * len(customers), targets, n_items),
        "personal_top": _metrics([r[:k] for r in personal], targets, n_items),
        "ours_as_shown": {
            "length": shown_length,
            **_metrics([np.asarray(picks.shown(r)) for r in ours], targets, n_items),
        },
        "personal_top_as_shown": {
            "length": shown_length,
            **_metrics([r[:shown_length] for r in personal], targets, n_items),
        },
    }
    progress("new-items view")
    result["new_items"] = _new_items_view(baskets, cutoff=cutoff, until=until, k=k)
    return result


def _new_items_view(
    baskets: Sequence[Basket],
    *,
    cutoff: datetime.datetime,
    until: datetime.datetime | None,
    k: int,
) -> dict[str, object]:
    """The older protocol (`evaluation.evaluate`): only items the customer never bought, on
    customers whose next basket has some; mined rules against popularity and co-occurrence."""
    from rapport.recommendations.models import MiningSettings

    config = MiningSettings()
    old = [
        evaluation.Basket(customer=b.customer, placed_at=b.placed_at, items=b.items)
        for b in baskets
        if until is None or b.placed_at < until
    ]
    raw = evaluation.evaluate(
        old,
        cutoff=cutoff,
        min_support=float(config.min_support),
        min_confidence=float(config.min_confidence),
        min_lift=float(config.min_lift),
        top_n=config.top_n,
        k=k,
    )
    view: dict[str, object] = {
        "customers": raw["test_customers"],
        "rule_count": raw["rule_count"],
    }
    for method in ("popularity", "co_occurrence", "rules"):
        s = raw[method]
        assert isinstance(s, evaluation.Scores)
        view[method] = {
            "hit_at_k": round(s.hit_rate, 4),
            "recall_at_k": round(s.recall, 4),
            "coverage": round(s.coverage, 4),
        }
    return view
