"""Next-basket model: what a customer will order next, repeats and new items together.

TIFU-KNN style (Hu et al., SIGIR 2020), pure numpy/scipy, no database:

- each customer's *personal vector* P[u] is the time-decayed share of their baskets holding each
  item: basket b weighs `basket_decay ** (baskets after b) * 0.5 ** (age of b / half_life)`, and
  P[u, i] = Σ weights of baskets holding i / Σ weights (so 0 ≤ P ≤ 1);
- the *neighbour vector* N[u] = P[u] · S, where S is the item-item cosine similarity over
  customers (who bought what), each row cut to its `neighbours` most similar items and scaled to
  sum 1: "customers who order what you order also order …". TIFU-KNN averages the vectors of the
  k nearest *customers*; the item-side form is what scales to 100,000 customers in a minute
  (one sparse product per block of customers, no customer-customer matrix) — measured in
  `bench/recommendations/next_basket.py`;
- the score is `alpha · P[u] + (1 - alpha) · N[u]`, times a *repeat boost* for items the
  customer re-orders at a regular interval when that interval has passed (see `repeat.py`),
  plus a tiny share of global popularity so that a short history still fills the list.

The parameters were tuned on an earlier split (train before 2011-06-01, test June to August 2011)
and then frozen; `docs/recommendations.md` has the grid and the official split's figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from rapport.recommendations.baskets import History


@dataclass(frozen=True)
class Params:
    half_life_days: float = 365.0
    basket_decay: float = 1.0
    alpha: float = 0.99
    neighbours: int = 40
    due_boost: float = 0.0
    popularity_weight: float = 0.2
    popularity_days: float = 30.0


@dataclass
class Model:
    """A fitted model: the personal matrix, the item-item matrix, popularity and repeat data."""

    params: Params
    now: float  # days since the epoch the model was fitted at
    personal: sparse.csr_matrix  # customers x items, float64
    similar: sparse.csr_matrix  # items x items, rows sum to 1 (or 0)
    popularity: np.ndarray  # float64 per item, max 1
    popular_order: np.ndarray  # item indices, most popular first
    due: sparse.csr_matrix  # customers x items: 1 where a regular re-order is due

    @property
    def item_count(self) -> int:
        return self.personal.shape[1]

    def scores(self, customer: int) -> np.ndarray:
        """Every item's score for one customer (dense vector)."""
        row = self.personal[customer]
        p = self.params
        out = p.popularity_weight * self.popularity
        if row.nnz:
            out = out + (1 - p.alpha) * np.asarray((row @ self.similar).todense()).ravel()
            boost = 1 + p.due_boost * self.due[customer].toarray().ravel()[row.indices]
            out[row.indices] += p.alpha * row.data * boost
        return out

    def scores_block(self, start: int, stop: int) -> np.ndarray:
        """Scores of customers start..stop-1 (dense block), the bulk form of `scores`."""
        p = self.params
        rows = self.personal[start:stop]
        boosted = rows.multiply(self.due[start:stop] * p.due_boost) + rows
        out = (1 - p.alpha) * (rows @ self.similar).toarray()
        out += p.alpha * boosted.toarray()
        out += p.popularity_weight * self.popularity
        return out


DEFAULT = Params()


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first (ties: lower index first)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.lexsort((part, -scores[part]))]


def _basket_weights(history: History, now: float, params: Params) -> np.ndarray:
    """Each basket's decay weight: by the number of the customer's later baskets and by age."""
    cust = history.basket_customer
    order = np.lexsort((history.basket_time, cust))
    # Position from the end within each customer's run of baskets.
    sorted_cust = cust[order]
    counts = np.bincount(sorted_cust, minlength=len(history.customers))
    ends = np.cumsum(counts)
    from_end = ends[sorted_cust] - 1 - np.arange(len(order))
    after = np.empty(len(order), dtype=np.int64)
    after[order] = from_end
    age = np.maximum(now - history.basket_time, 0.0)
    return params.basket_decay**after * 0.5 ** (age / params.half_life_days)


def basket_matrix(history: History) -> sparse.csr_matrix:
    """Baskets x items, 1 where the basket holds the item."""
    n = history.basket_count
    return sparse.csr_matrix(
        (np.ones(len(history.line_item)), history.line_item, history.basket_start),
        shape=(n, len(history.items)),
    )


def item_similarity(bought: sparse.csr_matrix, neighbours: int) -> sparse.csr_matrix:
    """Cosine similarity of items over customers (`bought`: customers x items, 0/1), each row
    cut to its `neighbours` best (self excluded) and scaled to sum 1."""
    b = bought.tocsc().astype(np.float64)
    norms = np.sqrt(np.asarray(b.multiply(b).sum(axis=0)).ravel())
    norms[norms == 0] = 1.0
    co = (b.T @ b).tocsr()
    co.setdiag(0)
    co.eliminate_zeros()
    co = co.tocoo()
    sim = co.data / (norms[co.row] * norms[co.col])
    size = bought.shape[1]
    full = sparse.csr_matrix((sim, (co.row, co.col)), shape=(size, size))
    rows, cols, vals = [], [], []
    for i in range(size):
        lo, hi = full.indptr[i], full.indptr[i + 1]
        if hi == lo:
            continue
        data, idx = full.data[lo:hi], full.indices[lo:hi]
        if hi - lo > neighbours:
            keep = np.argpartition(-data, neighbours - 1)[:neighbours]
            data, idx = data[keep], idx[keep]
        rows.append(np.full(len(idx), i))
        cols.append(idx)
        vals.append(data / data.sum())
    if not rows:
        return sparse.csr_matrix((size, size))
    return sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(size, size)
    )


def fit(
    history: History, *, now: float, params: Params = DEFAULT, due: sparse.csr_matrix | None = None
) -> Model:
    """Fit on every basket of `history` (all before `now`). `due` (customers x items, 0/1) marks
    regular re-orders that are due (`repeat.due_matrix`); None means no repeat boost."""
    n_cust, n_items = len(history.customers), len(history.items)
    weights = _basket_weights(history, now, params)
    x = basket_matrix(history)
    owner = sparse.csr_matrix(
        (weights, (history.basket_customer, np.arange(history.basket_count))),
        shape=(n_cust, history.basket_count),
    )
    personal = (owner @ x).tocsr()
    totals = np.asarray(owner.sum(axis=1)).ravel()
    totals[totals == 0] = 1.0
    personal = sparse.diags(1.0 / totals) @ personal
    bought = (personal > 0).astype(np.float64).tocsr()
    recent = history.basket_time >= now - params.popularity_days
    if not recent.any():
        recent = np.ones(history.basket_count, dtype=bool)
    pop = np.asarray(x[np.flatnonzero(recent)].sum(axis=0)).ravel().astype(np.float64)
    total_pop = np.asarray(x.sum(axis=0)).ravel()
    pop = pop + total_pop / max(total_pop.max(), 1) * 1e-3  # old sellers after recent ones
    pop = pop / max(pop.max(), 1e-12)
    if due is None:
        due = sparse.csr_matrix((n_cust, n_items))
    return Model(
        params=params,
        now=now,
        personal=sparse.csr_matrix(personal),
        similar=item_similarity(bought, params.neighbours),
        popularity=pop,
        popular_order=np.lexsort((np.arange(n_items), -pop)),
        due=sparse.csr_matrix(due),
    )
