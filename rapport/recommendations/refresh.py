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

BLOCK = 2_000  # customers per dense score block (BLOCK x items floats)

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
    led to it) or `popular`; and the usual quantity (1 for new items)."""
    n_cust, n_items = model.personal.shape
    shape = (n_cust, n_items)
    has_interval = ~np.isnan(stats.interval)
    interval = sparse.csr_matrix(
        (stats.interval[has_interval], (stats.customer[has_interval], stats.item[has_interval])),
        shape=shape,
    )
    orders = sparse.csr_matrix((stats.orders, (stats.customer, stats.item)), shape=shape)
    quantity = sparse.csr_matrix((stats.quantity, (stats.customer, stats.item)), shape=shape)
    p = model.params
    wanted = np.arange(n_cust) if customers is None else np.asarray(sorted(set(customers)))
    out: dict[int, list[Entry]] = {}
    for start in range(0, len(wanted), BLOCK):
        ids = wanted[start : start + BLOCK]
        rows = model.personal[ids]
        neighbour = (1 - p.alpha) * (rows @ model.similar).toarray()
        scores = neighbour + p.alpha * (rows + rows.multiply(model.due[ids] * p.due_boost))
        scores = np.asarray(scores) + p.popularity_weight * model.popularity
        tops = np.argpartition(-scores, min(length, n_items) - 1, axis=1)[:, :length]
        for r, c in enumerate(ids):
            top = tops[r]
            top = top[np.lexsort((top, -scores[r, top]))]
            own = rows[r]
            owned = dict(zip(own.indices.tolist(), own.data.tolist(), strict=True))
            entries: list[Entry] = []
            for i in top.tolist():
                if i in owned:
                    gap = interval[c, i]
                    if gap:
                        entries.append([i, "every", round(float(gap), 1), int(quantity[c, i])])
                    else:
                        entries.append([i, "again", int(orders[c, i]), int(quantity[c, i])])
                elif neighbour[r, i] > p.popularity_weight * model.popularity[i] and own.nnz:
                    lead = own.indices[
                        np.argmax(own.data * model.similar[own.indices, i].toarray().ravel())
                    ]
                    entries.append([i, "like", int(lead), 1])
                else:
                    entries.append([i, "popular", 0, 1])
            out[int(c)] = entries
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
