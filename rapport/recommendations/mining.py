"""Association rules between items with sparse matrices: pure functions, no database.

Baskets become a basket x item incidence matrix X (1 where the basket holds the item); the
co-occurrence matrix C = XᵀX holds each item's basket count on its diagonal and each pair's
count off it. From these and the number of baskets n, for the rule a → b:

    support(a→b)    = C[a,b] / n                              (= sAB)
    confidence(a→b) = sAB / sA                  with sA = C[a,a] / n
    lift(a→b)       = confidence(a→b) / sB     with sB = C[b,b] / n

computed in that order in floating point, as mlxtend 0.25's default call
`association_rules(itemsets, metric="confidence", min_threshold=…)` does (without `num_itemsets`
it computes `sAC * 1 / (sA * 1 - 0)`, i.e. sAB / sA), so the two keep exactly the same rules
at the same thresholds — also for rules whose true ratio sits exactly on a threshold, where
rounding decides. (Passing `num_itemsets=n` makes mlxtend compute (sAB·n)/(sA·n) instead, which
rounds differently at a few exact ties: on Online Retail at confidence 0.2, 4 rules.) See
bench/recommendations/ and docs/performance.md for the rule sets compared and the timings.

`Counts` (item counts + the upper triangle of C + n) are additive: the counts of new baskets are
added to the stored ones (`merge`), which is how rules are refreshed as orders arrive.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

PAIR_BLOCK = 256  # item columns per block of the pair-count product


@dataclass(frozen=True)
class Rule:
    antecedent: int
    consequent: int
    count: int
    support: float
    confidence: float
    lift: float
    rank: int = 0


@dataclass
class Counts:
    """Sufficient statistics for pair rules: `items` (sorted ids), their basket counts, the
    upper triangle (i < j, by position in `items`) of the pair counts, and the number of baskets."""

    items: np.ndarray  # int64, sorted
    item_counts: np.ndarray  # int64, aligned with items
    pairs: sparse.csr_matrix  # int32/64 upper triangle, len(items) square
    baskets: int

    @classmethod
    def empty(cls) -> Counts:
        return cls(
            items=np.zeros(0, dtype=np.int64),
            item_counts=np.zeros(0, dtype=np.int64),
            pairs=sparse.csr_matrix((0, 0), dtype=np.int64),
            baskets=0,
        )

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        coo = self.pairs.tocoo()
        np.savez_compressed(
            out,
            items=self.items,
            item_counts=self.item_counts,
            row=coo.row.astype(np.int32),
            col=coo.col.astype(np.int32),
            data=coo.data.astype(np.int32),
            baskets=np.array([self.baskets], dtype=np.int64),
        )
        return out.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes | memoryview) -> Counts:
        if not blob:
            return cls.empty()
        with np.load(io.BytesIO(bytes(blob))) as data:
            size = len(data["items"])
            pairs = sparse.csr_matrix(
                (data["data"].astype(np.int64), (data["row"], data["col"])), shape=(size, size)
            )
            return cls(
                items=data["items"].astype(np.int64),
                item_counts=data["item_counts"].astype(np.int64),
                pairs=pairs,
                baskets=int(data["baskets"][0]),
            )


def incidence(baskets: Sequence[Collection[int]]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """X (baskets x items, 0/1) and the sorted item ids its columns stand for.

    An item listed twice in one basket counts once; empty baskets are rows of zeros (they still
    count in n, as in mlxtend's one-hot frame).
    """
    lengths = np.fromiter((len(b) for b in baskets), dtype=np.int64, count=len(baskets))
    flat = np.fromiter(
        (item for basket in baskets for item in basket), dtype=np.int64, count=int(lengths.sum())
    )
    return incidence_from_flat(flat, lengths)


def incidence_from_flat(
    flat: np.ndarray, lengths: np.ndarray
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """`incidence` for baskets given as one array of item ids and each basket's length: built
    straight into CSR form (no per-basket Python objects, no COO row array)."""
    # np.unique without return_inverse and a searchsorted straight to int32 columns: the same
    # result with a third of the temporary memory (this step is the miner's peak).
    items = np.unique(flat)
    cols = np.searchsorted(items, flat).astype(np.int32)
    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    x = sparse.csr_matrix(
        (np.ones(len(cols), dtype=np.int32), cols, indptr),
        shape=(len(lengths), len(items)),
        copy=False,
    )
    x.sum_duplicates()
    x.data[:] = 1  # duplicates were summed: a basket holds an item or not
    return x, items


def count(baskets: Sequence[Collection[int]], *, keep: np.ndarray | None = None) -> Counts:
    """Counts for these baskets. `keep` (sorted item ids) restricts the pair matrix to those
    items, which is how `rules_from_baskets` skips items that cannot reach the minimum support."""
    x, items = incidence(baskets)
    if keep is not None:
        mask = np.isin(items, keep)
        x, items = x[:, np.flatnonzero(mask)], items[mask]
    x = x.astype(np.int32)
    co = (x.T @ x).tocsr()
    return Counts(
        items=items,
        item_counts=np.asarray(co.diagonal(), dtype=np.int64),
        pairs=sparse.triu(co, k=1, format="csr").astype(np.int64),
        baskets=len(baskets),
    )


def merge(a: Counts, b: Counts) -> Counts:
    """The counts of both sets of baskets together (items are re-aligned to the union)."""
    items = np.union1d(a.items, b.items)
    size = len(items)

    def realign(c: Counts) -> tuple[np.ndarray, sparse.csr_matrix]:
        pos = np.searchsorted(items, c.items)
        counts = np.zeros(size, dtype=np.int64)
        counts[pos] = c.item_counts
        coo = c.pairs.tocoo()
        moved = sparse.csr_matrix((coo.data, (pos[coo.row], pos[coo.col])), shape=(size, size))
        return counts, moved

    ca, pa = realign(a)
    cb, pb = realign(b)
    return Counts(
        items=items, item_counts=ca + cb, pairs=(pa + pb).tocsr(), baskets=a.baskets + b.baskets
    )


def rules(
    counts: Counts,
    *,
    min_support: float,
    min_confidence: float,
    min_lift: float,
    top_n: int | None = None,
) -> list[Rule]:
    """Every pair rule a → b meeting all three thresholds; with `top_n`, only each antecedent's
    best `top_n` (by confidence, then lift, then consequent id), ranked from 1."""
    n = counts.baskets
    if n == 0 or counts.pairs.nnz == 0:
        return []
    coo = counts.pairs.tocoo()
    c = coo.data.astype(np.int64)
    support = c / n
    frequent = support >= min_support
    i, j, c, support = coo.row[frequent], coo.col[frequent], c[frequent], support[frequent]
    item_support = counts.item_counts / n
    # Both directions of every frequent pair.
    ante = np.concatenate([i, j])
    cons = np.concatenate([j, i])
    c2 = np.concatenate([c, c])
    s2 = np.concatenate([support, support])
    # mlxtend's default call's arithmetic, operation for operation (see the module docstring).
    confidence = s2 / item_support[ante]
    lift = confidence / item_support[cons]
    ok = (confidence >= min_confidence) & (lift >= min_lift)
    ante, cons, c2, s2, confidence, lift = (
        ante[ok],
        cons[ok],
        c2[ok],
        s2[ok],
        confidence[ok],
        lift[ok],
    )
    ids = counts.items
    order = np.lexsort((ids[cons], -lift, -confidence, ids[ante]))
    ante, cons, c2, s2, confidence, lift = (
        ante[order],
        cons[order],
        c2[order],
        s2[order],
        confidence[order],
        lift[order],
    )
    # Rank within each antecedent's run.
    starts = np.r_[0, np.flatnonzero(np.diff(ante)) + 1] if len(ante) else np.zeros(0, int)
    run_start = np.zeros(len(ante), dtype=np.int64)
    run_start[starts] = starts
    run_start = np.maximum.accumulate(run_start) if len(ante) else run_start
    rank = np.arange(len(ante)) - run_start + 1
    if top_n is not None:
        keep = rank <= top_n
        ante, cons, c2, s2, confidence, lift, rank = (
            ante[keep],
            cons[keep],
            c2[keep],
            s2[keep],
            confidence[keep],
            lift[keep],
            rank[keep],
        )
    return [
        Rule(
            antecedent=int(ids[a]),
            consequent=int(ids[b]),
            count=int(k),
            support=float(s),
            confidence=float(cf),
            lift=float(lf),
            rank=int(r),
        )
        for a, b, k, s, cf, lf, r in zip(ante, cons, c2, s2, confidence, lift, rank, strict=True)
    ]


def rules_from_baskets(
    baskets: Sequence[Collection[int]],
    *,
    min_support: float,
    min_confidence: float,
    min_lift: float,
    top_n: int | None = None,
) -> list[Rule]:
    """One-shot mining of baskets given as collections of item ids (see `rules_from_flat`)."""
    lengths = np.fromiter((len(b) for b in baskets), dtype=np.int64, count=len(baskets))
    flat = np.fromiter(
        (item for basket in baskets for item in basket), dtype=np.int64, count=int(lengths.sum())
    )
    return rules_from_flat(
        flat,
        lengths,
        min_support=min_support,
        min_confidence=min_confidence,
        min_lift=min_lift,
        top_n=top_n,
    )


def rules_from_flat(
    flat: np.ndarray,
    lengths: np.ndarray,
    *,
    min_support: float,
    min_confidence: float,
    min_lift: float,
    top_n: int | None = None,
) -> list[Rule]:
    """Items below the minimum support cannot be in a frequent pair, so the pair counts are
    taken over the frequent items only, one block of columns at a time (Xᵀ·X[:, block]), keeping
    only pairs that reach the minimum support: memory stays at the incidence matrix plus one
    block, however dense the co-occurrences (the fast path the benchmark measures)."""
    x, items = incidence_from_flat(flat, lengths)
    n = len(lengths)
    item_counts = np.bincount(x.indices, minlength=len(items))
    frequent = np.flatnonzero(item_counts / max(n, 1) >= min_support)
    # Keep the frequent columns by filtering the CSR arrays (fewer copies than x[:, frequent]),
    # dropping x before the CSC copy so that at most two incidence matrices live at once.
    position = np.full(len(items), -1, dtype=np.int32)
    position[frequent] = np.arange(len(frequent), dtype=np.int32)
    kept = position[x.indices]
    mask = kept >= 0
    # Row starts of the filtered matrix: how many kept entries precede each old row start.
    before = np.zeros(len(mask) + 1, dtype=np.int64)
    np.cumsum(mask, out=before[1:])
    indptr = before[x.indptr]
    del before
    filtered = sparse.csr_matrix(
        (x.data[mask], kept[mask], indptr), shape=(n, len(frequent)), copy=False
    )
    del x, kept, mask
    xc = filtered.tocsc()
    del filtered
    xt = xc.T  # CSR view of the CSC matrix: no copy
    size = len(frequent)
    rows, cols, data = [], [], []
    for start in range(0, size, PAIR_BLOCK):
        part = (xt @ xc[:, start : start + PAIR_BLOCK]).tocoo()
        col = part.col + start
        keep = (part.row < col) & (part.data / n >= min_support)
        rows.append(part.row[keep])
        cols.append(col[keep])
        data.append(part.data[keep])
    pairs = sparse.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, np.int32),
            (
                np.concatenate(rows) if rows else np.zeros(0, np.int32),
                np.concatenate(cols) if cols else np.zeros(0, np.int32),
            ),
        ),
        shape=(size, size),
    )
    counts = Counts(
        items=items[frequent],
        item_counts=item_counts[frequent].astype(np.int64),
        pairs=pairs,
        baskets=n,
    )
    return rules(
        counts,
        min_support=min_support,
        min_confidence=min_confidence,
        min_lift=min_lift,
        top_n=top_n,
    )
