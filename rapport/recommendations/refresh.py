"""Refreshing every customer's stored next-basket list ("Picked for you").

`compute_lists` is pure (arrays in, lists out) so the benchmark can time it on 100,000
synthetic customers; `refresh_picks` reads the orders, computes and stores the lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from scipy import sparse

from rapport.core import audit
from rapport.recommendations import nextbasket, repeat
from rapport.recommendations.baskets import History, days
from rapport.recommendations.models import CustomerPicks
from rapport.recommendations.picks import STORED, bought_lines, history_from_lines

BLOCK = 1_000  # customers per dense score block (BLOCK x items floats, a few of them)

Entry = list[Any]  # [item index or product id, reason code, reason value, usual quantity]


def fit_with_repeats(
    history: History, *, now: float, params: nextbasket.Params = nextbasket.DEFAULT
) -> tuple[nextbasket.Model, repeat.RepeatStats]:
    """The next-basket model with its repeat data (the due matrix feeds the repeat boost)."""
    stats = repeat.repeat_stats(history, now=now)
    shape = (len(history.customers), len(history.items))
    model = nextbasket.fit(history, now=now, params=params, due=stats.due_matrix(shape))
    return model, stats


def compute_lists(
    model: nextbasket.Model,
    stats: repeat.RepeatStats,
    *,
    length: int = STORED,
    customers: Iterable[int] | None = None,
) -> dict[int, list[Entry]]:
    """Each customer's best `length` items (indices) with the reason kept per item:
    `every` (usual interval in days), `again` (orders so far), `like` (the bought item that
    led to it) or `popular`; and the usual quantity (1 for new items). Vectorised per block of
    customers; only the few `like` reasons look at single rows."""
    n_cust, n_items = model.personal.shape
    interval, orders, quantity = stats.matrices((n_cust, n_items))
    p = model.params
    length = min(length, n_items)
    wanted = np.arange(n_cust) if customers is None else np.asarray(sorted(set(customers)))
    out: dict[int, list[Entry]] = {}
    if length == 0:
        return {int(c): [] for c in wanted}
    popularity = p.popularity_weight * model.popularity
    for start in range(0, len(wanted), BLOCK):
        ids = wanted[start : start + BLOCK]
        rows = model.personal[ids]
        neighbour = (1 - p.alpha) * (rows @ model.similar).toarray()
        boosted = rows + rows.multiply(model.due[ids] * p.due_boost)
        scores = neighbour + p.alpha * boosted.toarray() + popularity
        tops = np.argpartition(-scores, length - 1, axis=1)[:, :length]
        top_scores = np.take_along_axis(scores, tops, axis=1)
        # Best first; equal scores by item index.
        order = np.lexsort((tops, -top_scores), axis=1)
        tops = np.take_along_axis(tops, order, axis=1)

        def pick(matrix: sparse.csr_matrix, ids: np.ndarray = ids, tops: np.ndarray = tops):
            return np.take_along_axis(matrix[ids].toarray(), tops, axis=1)

        owned = np.take_along_axis(rows.toarray(), tops, axis=1) > 0
        gaps, counts, usual = pick(interval), pick(orders), pick(quantity)
        led = np.take_along_axis(neighbour, tops, axis=1) > popularity[tops]
        has_history = np.diff(rows.indptr) > 0
        for r, c in enumerate(ids.tolist()):
            entries: list[Entry] = []
            for k, i in enumerate(tops[r].tolist()):
                if owned[r, k]:
                    if gaps[r, k]:
                        entries.append([i, "every", round(float(gaps[r, k]), 1), int(usual[r, k])])
                    else:
                        entries.append([i, "again", int(counts[r, k]), int(usual[r, k])])
                elif led[r, k] and has_history[r]:
                    own = rows[r]
                    weight = own.data * model.similar[own.indices, i].toarray().ravel()
                    entries.append([i, "like", int(own.indices[np.argmax(weight)]), 1])
                else:
                    entries.append([i, "popular", 0, 1])
            out[c] = entries
    return out


def refresh_picks(*, actor: Any = None, customer_ids: Iterable[int] | None = None) -> int:
    """Recompute and store the "Picked for you" lists from every real order (the model learns
    from all customers), for every customer with an order or only for `customer_ids`.
    Replaces the stored lists in one transaction; one audit entry. Returns the lists written."""
    history = history_from_lines(bought_lines())
    now = timezone.now()
    if not history.basket_count:
        return 0
    model, stats = fit_with_repeats(history, now=days(now))
    index = {int(c): i for i, c in enumerate(history.customers)}
    only = None if customer_ids is None else [index[c] for c in customer_ids if c in index]
    lists = compute_lists(model, stats, customers=only)
    items = [int(x) for x in history.items]
    rows = [
        CustomerPicks(
            customer_id=int(history.customers[c]),
            items=[[items[e[0]], e[1], items[e[2]] if e[1] == "like" else e[2], e[3]] for e in lst],
            computed_at=now,
        )
        for c, lst in lists.items()
    ]
    with transaction.atomic():
        CustomerPicks.objects.bulk_create(
            rows,
            batch_size=2_000,
            update_conflicts=True,
            unique_fields=["customer"],
            update_fields=["items", "computed_at"],
        )
        audit.record(
            actor=actor,
            action="recommendations.refresh_picks",
            target=None,
            data={"customers": len(rows)},
        )
    return len(rows)
