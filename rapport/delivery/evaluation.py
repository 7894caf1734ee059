"""Scoring our promises against Olist's own on a time split of Olist's tables.

Trained only on what was known at `test_from` (orders delivered before it; hand-overs and the
sellers' history before it too), scored on the delivered orders purchased on or after it. Olist's
`order_estimated_delivery_date` is only compared with, never an input.
"""

from __future__ import annotations

import datetime
import sys
import time
from pathlib import Path
from typing import IO, Any

from rapport.delivery.model import Metrics, score, train
from rapport.delivery.olist_tables import check_tables, read_geo, read_orders


def evaluate(
    directory: Path, test_from: datetime.date, *, log: IO[str] | None = None
) -> dict[str, Any]:
    """The evaluation command's JSON object (see docs/delivery.md for the keys)."""
    out = log or sys.stderr
    started = time.perf_counter()
    check_tables(directory)
    geo = read_geo(directory)
    orders = read_orders(directory)
    print(f"read {len(orders)} orders, {len(geo.points)} zip prefixes", file=out)
    cut = datetime.datetime.combine(test_from, datetime.time())
    trained_at = time.perf_counter()
    promiser = train(orders, geo=geo, known_at=cut, source="olist")
    train_seconds = time.perf_counter() - trained_at
    print(f"trained on {promiser.trained_on} delivered orders in {train_seconds:.1f} s", file=out)
    test = [o for o in orders if o.purchased_at >= cut and o.delivered_at is not None]
    if not test:
        raise ValueError(f"No delivered orders purchased on or after {test_from}.")
    ours = score([promiser.checkout_range(o)[1] for o in test], test)
    theirs_orders = [o for o in test if o.their_promise]
    olist = score([o.their_promise for o in theirs_orders], theirs_orders)  # type: ignore[misc]
    shipped = [o for o in test if o.handed_over_at is not None]
    handover: dict[str, Any] = {"orders": len(shipped)}
    if promiser.handover is not None and shipped:
        later = [promiser.handover_promise(o) for o in shipped]
        handover["ours"] = _metrics(score(later, shipped))  # type: ignore[arg-type]
        theirs_shipped = [o for o in shipped if o.their_promise]
        handover["olist"] = _metrics(
            score([o.their_promise for o in theirs_shipped], theirs_shipped)  # type: ignore[misc]
        )
    else:
        handover["ours"] = handover["olist"] = None
    print(f"done in {time.perf_counter() - started:.1f} s", file=out)
    return {
        "orders": len(test),
        "test_from": test_from.isoformat(),
        "trained_on": promiser.trained_on,
        "late_target": round(promiser.late_target, 4),
        "ours": _metrics(ours),
        "olist": _metrics(olist),
        "handover": handover,
        "train_seconds": round(train_seconds, 1),
    }


def _metrics(m: Metrics) -> dict[str, float | int]:
    return m.as_dict()
