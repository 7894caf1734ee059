"""Scoring predicted (customer, window) pairs against what customers bought in the horizon.

Definitions (the same code scores our method and the naive baseline):

- The horizon is the days `cutoff … cutoff + horizon_days - 1`. A purchase day is a day with at
  least one sale line of that customer.
- A prediction is (customer, date). Its window is `window_days` wide and centred on the date
  (starting `window_days // 2` days before it), then *moved* (never shortened) to lie inside the
  horizon. A customer's windows never overlap: dates are taken in order and one that would open a
  window overlapping the previous kept window is dropped (so a method cannot score twice on one
  purchase).
- precision: share of predicted windows containing a purchase day of that customer.
- base_rate: for each predicted window, the share of all `horizon_days - window_days + 1`
  same-width windows of the horizon (every start day) in which that customer bought; averaged over
  the predictions. It is what a window drawn at random for the same customers would score.
- lift = precision / base_rate.
- recall: the horizon is cut into consecutive `window_days` tiles from the cutoff; a buying
  customer-window is a (customer, tile) with a purchase; it counts as predicted when one of its
  purchase days lies in a predicted window of that customer. Customers first seen after the cutoff
  count too (nobody could predict them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Scores:
    predictions: int
    precision: float
    base_rate: float
    lift: float
    recall: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def place_windows(
    dates: Iterable[int], *, start: int, horizon_days: int, window_days: int
) -> list[int]:
    """Start days (ordinals) of one customer's non-overlapping windows for predicted dates."""
    width = min(window_days, horizon_days)
    last_start = start + horizon_days - width
    kept: list[int] = []
    for date in sorted(set(dates)):
        begin = min(max(date - window_days // 2, start), last_start)
        if date < start or date >= start + horizon_days:
            continue
        if kept and begin < kept[-1] + width:
            continue
        kept.append(begin)
    return kept


def score(
    predictions: Mapping[str, Iterable[int]],
    purchases: Mapping[str, Iterable[int]],
    *,
    start: int,
    horizon_days: int,
    window_days: int,
) -> Scores:
    """Score predicted dates (ordinals per customer) against purchase days (ordinals)."""
    width = min(window_days, horizon_days)
    positions = horizon_days - width + 1
    hits = 0
    count = 0
    base_total = 0.0
    recalled = 0
    buying_tiles = 0
    tiles = np.arange(horizon_days) // width
    for customer, days in purchases.items():
        mask = np.zeros(horizon_days, dtype=np.int32)
        in_horizon = [d - start for d in days if start <= d < start + horizon_days]
        if in_horizon:
            mask[in_horizon] = 1
        covered = np.zeros(horizon_days, dtype=bool)
        windows = place_windows(
            predictions.get(customer, ()),
            start=start,
            horizon_days=horizon_days,
            window_days=window_days,
        )
        if windows:
            sums = np.convolve(mask, np.ones(width, dtype=np.int32), mode="valid")
            rate = float(np.count_nonzero(sums)) / positions
            for begin in windows:
                offset = begin - start
                count += 1
                base_total += rate
                if sums[offset] > 0:
                    hits += 1
                covered[offset : offset + width] = True
        if in_horizon:
            buying = set(tiles[mask == 1].tolist())
            buying_tiles += len(buying)
            recalled += len(set(tiles[(mask == 1) & covered].tolist()))
    # Predictions for customers never seen in the purchases: windows without a purchase.
    for customer, dates in predictions.items():
        if customer not in purchases:
            n = len(place_windows(dates, start=start, horizon_days=horizon_days, window_days=width))
            count += n
    precision = hits / count if count else 0.0
    base_rate = base_total / count if count else 0.0
    return Scores(
        predictions=count,
        precision=round(precision, 4),
        base_rate=round(base_rate, 4),
        lift=round(precision / base_rate, 4) if base_rate else 0.0,
        recall=round(recalled / buying_tiles, 4) if buying_tiles else 0.0,
    )


def naive_predictions(
    purchases: Mapping[str, Iterable[int]], *, cutoff: int, horizon_days: int
) -> dict[str, list[int]]:
    """The baseline: every day a customer bought in the year before the cutoff, 52 weeks on."""
    shift = 364
    out: dict[str, list[int]] = {}
    for customer, days in purchases.items():
        dates = [d + shift for d in days if cutoff - shift <= d < cutoff]
        dates = [d for d in dates if cutoff <= d < cutoff + horizon_days]
        if dates:
            out[customer] = dates
    return out
