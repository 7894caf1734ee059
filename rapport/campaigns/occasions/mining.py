"""Recurring yearly moments in one customer's purchase days (pure Python + numpy, no database).

A *moment* is a window of the year in which the customer bought before. For the next time that
window comes round (52 weeks on, so the weekday is kept: this shop's buyers order on working days)
we estimate the probability that they buy in it:

    p_personal = (r + PRIOR_WEIGHT · b) / (n + PRIOR_WEIGHT)

where r is the number of past years with a purchase in that window of the year, n the number of
past years in which the window was observed, and b the customer's *usual rate*: the share of all
same-width windows of their observed history that hold a purchase. One repetition in a customer
who buys every fortnight says little (p stays near b); three repetitions in a customer who buys
twice a year say a lot. The store-wide season (how much more customers buy in that window of the
year than on average, from every customer's history) scales the odds. The *strength* is that
probability; the *unusualness* is p / (b · season): how much likelier this window is than any
other for this customer. A moment is kept when both pass their thresholds.

The *lead time* is how many days before the moment's centre the customer's earliest purchase in
it fell, on average — the reminder goes out before that.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

YEAR = 364  # 52 weeks: the same weekday next year
PRIOR_WEIGHT = 3.0
MIN_STRENGTH = 0.45
MIN_UNUSUALNESS = 2.0
MAX_YEARS = 4


@dataclass(frozen=True)
class Moment:
    date: int  # ordinal of the predicted centre, on or after `as_of`
    repetitions: int
    years_observed: int
    usual_rate: float
    season: float
    strength: float
    unusualness: float
    lead_days: int
    source_days: tuple[int, ...]  # the past purchase days behind this moment


@dataclass(frozen=True)
class Settings:
    window_days: int = 14
    horizon_days: int = YEAR
    min_strength: float = MIN_STRENGTH
    min_unusualness: float = MIN_UNUSUALNESS


def store_seasons(
    purchases: Mapping[str, Sequence[int]], *, data_start: int, as_of: int, window_days: int
) -> np.ndarray:
    """Store-wide season factor per day of the 364-day year (index = ordinal % 364): the share of
    customers buying in the window around that day of the year, over the average; 1.0 where the
    history does not cover that part of the year (nothing is known there)."""
    span = as_of - data_start
    if span <= 0:
        return np.ones(YEAR, dtype=np.float64)
    every = np.fromiter(
        (d for days in purchases.values() for d in set(days) if data_start <= d < as_of),
        dtype=np.int64,
    )
    active = np.bincount(every - data_start, minlength=span).astype(np.float64)
    factor = np.ones(YEAR, dtype=np.float64)
    if span < window_days or not active.any():
        return factor
    # customer-days in each window (sliding), averaged over every observed window
    sums = np.convolve(active, np.ones(window_days), mode="valid")
    mean = float(sums.mean())
    seen = np.zeros(YEAR, dtype=np.float64)
    total = np.zeros(YEAR, dtype=np.float64)
    for i, value in enumerate(sums):
        centre = (data_start + i + window_days // 2) % YEAR
        seen[centre] += 1
        total[centre] += value
    observed = seen > 0
    factor[observed] = (total[observed] / seen[observed]) / mean
    # Only a full year says what is unusual for the store: a part-year history keeps 1.0 where
    # the rest of the year is unseen, and damps what it saw.
    if span < YEAR:
        factor = 1.0 + (factor - 1.0) * (span / YEAR)
    return np.clip(factor, 0.25, 4.0)


def usual_rate(days: Sequence[int], *, start: int, as_of: int, window_days: int) -> float:
    """Share of the same-width windows of [start, as_of) that hold a purchase day; a history
    shorter than a year is read as a year (the unseen part counted as windows without purchase,
    damped towards one purchase a quarter)."""
    span = as_of - start
    length = max(span, YEAR)
    positions = length - window_days + 1
    # union of the start positions [d - w + 1, d] of the windows holding each purchase day
    covered = 0
    reach = -1  # last position already counted
    for d in sorted(days):
        if not start <= d < as_of:
            continue
        lo = max(d - start - window_days + 1, reach + 1, 0)
        hi = min(d - start, positions - 1)
        if hi >= lo:
            covered += hi - lo + 1
            reach = hi
    rate = covered / positions
    if span < YEAR:
        quarterly = min(1.0, window_days / 91)
        rate = (rate * span + quarterly * (YEAR - span)) / YEAR
    return rate


def mine_customer(
    days: Sequence[int],
    *,
    as_of: int,
    data_start: int,
    seasons: np.ndarray,
    settings: Settings = Settings(),
) -> list[Moment]:
    """The customer's moments whose next occurrence falls in [as_of, as_of + horizon), strongest
    first within a date; moments that do not pass the thresholds are left out."""
    w = settings.window_days
    half = w // 2
    start = max(data_start, as_of - YEAR * MAX_YEARS)
    past = sorted(d for d in set(days) if start <= d < as_of)
    if not past:
        return []
    rate = usual_rate(past, start=start, as_of=as_of, window_days=w)
    # anniversaries: each purchase day moved on by whole 52-week years into the horizon
    ahead: list[tuple[int, int]] = []
    for d in past:
        years = -(-(as_of - d) // YEAR)
        target = d + YEAR * years
        if target < as_of + settings.horizon_days:
            ahead.append((target, d))
    ahead.sort()
    clusters: list[list[tuple[int, int]]] = []
    for item in ahead:
        if clusters and item[0] - clusters[-1][0][0] <= half:
            clusters[-1].append(item)
        else:
            clusters.append([item])
    moments: list[Moment] = []
    for cluster in clusters:
        targets = [t for t, _ in cluster]
        centre = targets[len(targets) // 2]
        repetitions = 0
        observed = 0
        leads: list[int] = []
        for year in range(1, MAX_YEARS + 1):
            lo = centre - YEAR * year - half
            if lo >= as_of:
                continue
            hi = min(lo + w, as_of)
            first_inside = bisect.bisect_left(past, lo)
            inside = first_inside < len(past) and past[first_inside] < hi
            if lo >= data_start and hi == lo + w:
                observed += 1
            if inside:
                repetitions += 1
                leads.append(centre - YEAR * year - past[first_inside])
        observed = max(observed, repetitions)
        if repetitions == 0:
            continue
        season = float(seasons[centre % YEAR])
        personal = (repetitions + PRIOR_WEIGHT * rate) / (observed + PRIOR_WEIGHT)
        odds = personal / (1.0 - personal) * season if personal < 1.0 else 99.0
        strength = odds / (1.0 + odds)
        unusualness = strength / max(rate * season, 1e-6)
        moments.append(
            Moment(
                date=centre,
                repetitions=repetitions,
                years_observed=observed,
                usual_rate=round(rate, 4),
                season=round(season, 3),
                strength=round(strength, 4),
                unusualness=round(unusualness, 3),
                lead_days=max(0, round(sum(leads) / len(leads))),
                source_days=tuple(sorted(d for _, d in cluster)),
            )
        )
    return [
        m
        for m in moments
        if m.strength >= settings.min_strength and m.unusualness >= settings.min_unusualness
    ]


def mine(
    purchases: Mapping[str, Sequence[int]],
    *,
    as_of: int,
    data_start: int,
    settings: Settings = Settings(),
) -> dict[str, list[Moment]]:
    """Moments for every customer (only customers with at least one kept moment appear)."""
    seasons = store_seasons(
        purchases, data_start=data_start, as_of=as_of, window_days=settings.window_days
    )
    out: dict[str, list[Moment]] = {}
    for customer, days in purchases.items():
        found = mine_customer(
            days, as_of=as_of, data_start=data_start, seasons=seasons, settings=settings
        )
        if found:
            out[customer] = found
    return out
