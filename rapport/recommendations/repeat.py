"""The repeat model behind "Buy again": how often, how many and when again, per customer and item.

For every (customer, item) pair in a `History`: the number of orders holding it, the last order
date, the *usual interval* (median gap in days between consecutive orders of the item; gaps under
a day are the same occasion and skipped) and the *usual quantity* (median units per order).
An item is *due* when it has a usual interval and at least that long has passed since the last
order. The buy-again ranking is the time-decayed frequency (each order counts
`0.5 ** (age / half_life)`), doubled for due items. Pure numpy, no database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from rapport.recommendations.baskets import History

HALF_LIFE_DAYS = 180.0
DUE_FACTOR = 2.0
MIN_GAP_DAYS = 1.0


@dataclass
class RepeatStats:
    """One row per (customer, item) pair, sorted by customer then item."""

    customer: np.ndarray  # int64
    item: np.ndarray  # int64
    orders: np.ndarray  # int64: orders holding the item
    last: np.ndarray  # float64 days since the epoch
    interval: np.ndarray  # float64 days (NaN: no usual interval yet)
    quantity: np.ndarray  # int64 usual units per order (median, rounded, at least 1)
    decayed: np.ndarray  # float64 time-decayed order count at `now`
    now: float
    _matrices: tuple[sparse.csr_matrix, ...] | None = field(default=None, repr=False)

    def matrices(self, shape: tuple[int, int]) -> tuple[sparse.csr_matrix, ...]:
        """(usual interval, orders, usual quantity) as customers x items matrices, built once
        (an interval is stored only where known)."""
        if self._matrices is None or self._matrices[0].shape != shape:
            known = ~np.isnan(self.interval)
            self._matrices = (
                sparse.csr_matrix(
                    (self.interval[known], (self.customer[known], self.item[known])), shape=shape
                ),
                sparse.csr_matrix((self.orders, (self.customer, self.item)), shape=shape),
                sparse.csr_matrix((self.quantity, (self.customer, self.item)), shape=shape),
            )
        return self._matrices

    def is_due(self) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return (self.now - self.last) >= self.interval  # NaN compares False

    def score(self) -> np.ndarray:
        """The buy-again ranking score of each pair."""
        return self.decayed * np.where(self.is_due(), DUE_FACTOR, 1.0)

    def due_matrix(self, shape: tuple[int, int]) -> sparse.csr_matrix:
        due = self.is_due()
        return sparse.csr_matrix(
            (np.ones(int(due.sum())), (self.customer[due], self.item[due])), shape=shape
        )


def _group_median(values: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """Median of `values` per group id (NaN for an empty group)."""
    out = np.full(groups, np.nan)
    if len(values) == 0:
        return out
    order = np.lexsort((values, group))
    v, g = values[order], group[order]
    counts = np.bincount(g, minlength=groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    has = counts > 0
    lo = starts[has] + (counts[has] - 1) // 2
    hi = starts[has] + counts[has] // 2
    out[has] = (v[lo] + v[hi]) / 2
    return out


def repeat_stats(
    history: History, *, now: float, half_life_days: float = HALF_LIFE_DAYS
) -> RepeatStats:
    """Repeat statistics of every (customer, item) pair of `history` as seen at `now`."""
    line_basket = np.repeat(np.arange(history.basket_count), np.diff(history.basket_start))
    cust = history.basket_customer[line_basket]
    time = history.basket_time[line_basket]
    item = history.line_item
    qty = history.line_quantity
    order = np.lexsort((time, item, cust))
    cust, item, time, qty = cust[order], item[order], time[order], qty[order]
    new_pair = np.ones(len(cust), dtype=bool)
    new_pair[1:] = (cust[1:] != cust[:-1]) | (item[1:] != item[:-1])
    pair = np.cumsum(new_pair) - 1
    pairs = int(pair[-1]) + 1 if len(pair) else 0
    firsts = np.flatnonzero(new_pair)
    gaps = np.diff(time)
    same = ~new_pair[1:]
    gap_ok = same & (gaps >= MIN_GAP_DAYS)
    interval = _group_median(gaps[gap_ok], pair[1:][gap_ok], pairs)
    quantity = _group_median(qty.astype(np.float64), pair, pairs)
    weight = 0.5 ** (np.maximum(now - time, 0.0) / half_life_days)
    return RepeatStats(
        customer=cust[firsts],
        item=item[firsts],
        orders=np.bincount(pair, minlength=pairs),
        last=np.maximum.reduceat(time, firsts) if pairs else np.zeros(0),
        interval=interval,
        quantity=np.maximum(np.rint(quantity), 1).astype(np.int64),
        decayed=np.bincount(pair, weights=weight, minlength=pairs),
        now=now,
    )
