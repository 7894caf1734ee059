"""Development protocol for the customer-value predictor (issue 17): score candidate predictors
against both baselines on many cutoffs of the shared file, never on the official split
(2011-06-01, which `evaluate_customer_value` reports; it is left out here on purpose).

    DEBUG=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 nice -n 19 \
        .venv/bin/python bench/customervalue/dev_protocol.py \
        --orders ../shared/datasets/online_retail/online_retail_2010_2011.csv.gz

26 cases (`cases`): on the whole file, cutoffs on the first of every month from 2011-03-01 to
2011-10-01 except 2011-06-01, each with a 365-day horizon (scored on what is left of the file,
as the command does) and with 180- and 90-day horizons when the file covers them; and, to
imitate a one-year history with a 365-day horizon (Online Retail II cut a year before its end),
the file cut to start on 2011-01-01 or 2011-02-01 with cutoffs 2011-05-01 … 2011-10-01 (not
06-01) and a 365-day horizon. For each case the components (last-period spend, BG/NBD + Gamma-
Gamma, its P(alive), the booster and the blend shipped before, in `previous_blend.py`, and the
all-history spend) are computed once and cached (`--cache`, default `var/customervalue_dev`;
delete it after a model change); the candidates are formulas over them (`candidates`), and
`model.predict` itself is run on every case too (row "model.predict (shipped)").

Prints a Markdown table per metric (top-decile capture, Spearman): one column per case
("start→cutoff/observed days"), the mean over the cases, wins-ties-losses against last-period
spend over all cases and over the cases whose history is no longer than the horizon ("short"),
and the number of cases above BG/NBD + Gamma-Gamma. ~2 min of CPU the first time, ~15 s
cached. Results and the choice: docs/customer-value.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from bench.customervalue import previous_blend  # noqa: E402
from rapport.customervalue import model  # noqa: E402
from rapport.customervalue.history import History, day_number, read_history  # noqa: E402

DEV_CUTOFFS = [f"2011-{m:02d}-01" for m in (3, 4, 5, 7, 8, 9, 10)]
OFFICIAL = "2011-06-01"  # never a development cutoff


def load_history(orders: list[Path], cache: Path) -> History:
    path = cache / "history.pickle"
    if path.exists():
        return pickle.loads(path.read_bytes())  # noqa: S301 - our own cache file
    history = read_history(orders)
    path.write_bytes(pickle.dumps(history))
    return history


def truncated(history: History, start: int) -> History:
    """The history without its lines before day `start` (a file that begins later)."""
    keep = history.day >= start
    return dataclasses.replace(
        history,
        customer=history.customer[keep],
        day=history.day[keep],
        amount=history.amount[keep],
        lines=history.lines[keep],
        credit=history.credit[keep],
    )


def components(history: History, cutoff: int, horizon: int) -> dict:
    """Everything a candidate needs at one cutoff, for the observed part of the horizon: the
    same steps as `model.predict` (shipped blend), keeping the booster's own prediction."""
    from threadpoolctl import threadpool_limits

    observed = min(horizon, history.last_day + 1 - cutoff)
    started = time.process_time()
    snap = model.snapshot(history, cutoff, observed)
    customers = snap.customers
    last = model._last_period(history, cutoff, observed, customers)
    booster, _window, _snapshots = previous_blend.fit_ours(history, cutoff, observed)
    with threadpool_limits(limits=1):
        boosted = np.maximum(booster.predict(snap.x), 0)
    weights = previous_blend.choose_blend(history, cutoff, observed)["weights"]
    n = len(history.customer_ids)
    bought = (history.day < cutoff) & (history.amount > 0)
    purchase_days = np.bincount(history.customer[bought], minlength=n)[customers]
    total = np.maximum(model.spend_between(history, history.first_day, cutoff), 0)[customers]
    actual = np.maximum(model.spend_between(history, cutoff, cutoff + observed), 0)[customers]
    return {
        "observed": observed,
        "history_days": cutoff - history.first_day,
        "customers": customers,
        "actual": actual,
        "last_period": last,
        "bgnbd_gg": snap.bgnbd_gg,
        "p_alive": snap.p_alive,
        "boosted": boosted,
        "shipped": previous_blend._blend(weights, boosted, last, snap.bgnbd_gg),
        "purchase_days": purchase_days.astype(float),
        "tenure": snap.x[:, list(model.FEATURE_NAMES).index("tenure_capped")],
        "total": total,
        "cpu": time.process_time() - started,
    }


def rank(values: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(values) / len(values)


def candidates(c: dict) -> dict[str, np.ndarray]:
    """Every predictor tried, by name (formulas in docs/customer-value.md)."""
    last, bg, boosted = c["last_period"], c["bgnbd_gg"], c["boosted"]
    total_rate = c["total"] / c["history_days"] * c["observed"]  # all history, scaled
    n = c["purchase_days"]
    shrunk = total_rate * n / (n + 1)
    out = {
        "model.predict (shipped)": c["model_predict"],
        "last_period": last,
        "bgnbd_gg": bg,
        "previous_blend": c["shipped"],
        "booster_alone": boosted,
        "last_x_p_alive": last * c["p_alive"],
        "rank_last+bg": rank(last) + rank(bg),
        "total": total_rate,
        "rank_last+total": rank(last) + rank(total_rate),
    }
    for gap in (30, 91):  # spend per day of exposure: min(period, tenure + gap)
        period = min(c["observed"], c["history_days"])
        spend = last * period / c["observed"]
        out[f"last_per_tenure_gap{gap}"] = spend / np.minimum(period, c["tenure"] + gap)
    for k in (0.5, 1, 2, 4):
        out[f"total_x_n/(n+{k})"] = total_rate * n / (n + k)
    out["rank_total+bg"] = rank(total_rate) + rank(bg)
    out["spend_2x"] = c["spend_2x"]
    out["0.8spend_2x+0.2bg"] = 0.8 * c["spend_2x"] + 0.2 * bg
    for w in (0.9, 0.8, 0.7, 0.5):
        out[f"{w}total+{1 - w:.1f}bg"] = w * total_rate + (1 - w) * bg
    for w in (0.9, 0.8):
        out[f"{w}shrunk+{1 - w:.1f}bg"] = w * shrunk + (1 - w) * bg
    for w in (0.8, 0.6):
        out[f"{w}shrunk+{1 - w:.1f}booster"] = w * shrunk + (1 - w) * boosted
    out["rank_2shrunk+booster"] = 2 * rank(shrunk) + rank(boosted)
    return out


def cases() -> list[tuple[str, str, int]]:
    """(first day kept, cutoff, horizon): the full file with 365/180/90-day horizons, and the
    file cut to start on 2011-01-01 or 2011-02-01 (history shorter than the horizon, as with a
    one-year history and a 365-day horizon) with a 365-day horizon."""
    out = [("2010-12-01", c, h) for c in DEV_CUTOFFS for h in (365, 180, 90)]
    out += [(s, c, 365) for s in ("2011-01-01", "2011-02-01") for c in DEV_CUTOFFS[2:]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=Path, action="append", required=True)
    parser.add_argument("--cache", type=Path, default=Path("var/customervalue_dev"))
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    full = load_history(args.orders, args.cache)
    seen: dict[tuple[str, str, int], dict] = {}
    for start, cutoff, horizon in cases():
        history = full if start == "2010-12-01" else truncated(full, _day(start))
        day = _day(cutoff)
        observed = min(horizon, history.last_day + 1 - day)
        key = (start, cutoff, observed)
        if key in seen:
            continue
        path = args.cache / f"{start}_{cutoff}_{observed}.pickle"
        if path.exists():
            comp = pickle.loads(path.read_bytes())  # noqa: S301 - our own cache file
        else:
            comp = components(history, day, horizon)
            path.write_bytes(pickle.dumps(comp))
            print(f"{key}: {comp['cpu']:.1f} s CPU", file=sys.stderr)
        if "spend_2x" not in comp:  # spend in the last 2 x horizon days (history permitting)
            window = min(2 * comp["observed"], comp["history_days"])
            spend = model.spend_between(history, day - window, day)
            comp["spend_2x"] = np.maximum(spend, 0)[comp["customers"]] / window * comp["observed"]
            path.write_bytes(pickle.dumps(comp))
        comp["model_predict"] = model.predict(history, day, observed).ours  # what ships
        seen[key] = comp
    rows: dict[str, dict[tuple[str, str, int], dict]] = {}
    for key, comp in seen.items():
        for name, predicted in candidates(comp).items():
            figures = model.scores(predicted, comp["actual"])
            for metric in ("top_decile_capture", "spearman"):  # constant prediction: no rank
                figures[metric] = np.nan if figures[metric] is None else figures[metric]
            rows.setdefault(name, {})[key] = figures
    dev = [k for k in seen if k[1] != OFFICIAL]
    short = [k for k in dev if seen[k]["history_days"] <= seen[k]["observed"]]
    print(f"{len(dev)} development cases, {len(short)} with history <= horizon")
    for metric in ("top_decile_capture", "spearman"):
        print(f"\n## {metric}\n")
        head = " | ".join(f"{s[5:]}→{c[5:]}/{o}" for s, c, o in seen)
        print(f"| candidate | {head} | dev mean | W-T-L vs last | W-T-L (short) | > BG |")
        print("| --- " * (len(seen) + 5) + "|")
        for name, by_case in rows.items():

            def record(keys: list, by_case: dict = by_case, metric: str = metric) -> str:
                ours = np.array([by_case[k][metric] for k in keys])
                last = np.array([rows["last_period"][k][metric] for k in keys])
                return f"{(ours > last).sum()}-{(ours == last).sum()}-{(ours < last).sum()}"

            values = np.array([by_case[k][metric] for k in dev])
            bg = np.array([rows["bgnbd_gg"][k][metric] for k in dev])
            cells = " | ".join(f"{by_case[k][metric]:.4f}" for k in seen)
            print(
                f"| {name} | {cells} | {values.mean():.4f} | {record(dev)} | {record(short)} "
                f"| {(values > bg).sum()} |"
            )


def _day(text: str) -> int:
    return day_number(datetime.date.fromisoformat(text))


if __name__ == "__main__":
    main()
