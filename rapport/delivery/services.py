"""Training, storing and using the delivery-date model (the fitted parameters live in a JSON
file, `RAPPORT_DELIVERY_MODEL_PATH`, by default `var/delivery_model.json`)."""

from __future__ import annotations

import csv
import datetime
import gzip
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from rapport.delivery.model import Metrics, Params, Sample, choose_and_fit, score, time_split

OLIST_FORMAT = "%Y-%m-%d %H:%M:%S"


def model_path() -> Path:
    return Path(
        getattr(
            settings,
            "RAPPORT_DELIVERY_MODEL_PATH",
            settings.BASE_DIR / "var" / "delivery_model.json",
        )
    )


def olist_excerpt_path() -> Path:
    return Path(settings.RAPPORT_DATA_DIR) / "olist" / "orders_excerpt.csv.gz"


def _when(raw: str) -> datetime.datetime | None:
    raw = (raw or "").strip()
    return datetime.datetime.strptime(raw, OLIST_FORMAT) if raw else None


def read_olist_orders(path: Path) -> list[Sample]:
    """Delivered orders of the Olist orders table (naive local times, as published)."""
    samples = []
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            bought = _when(row.get("order_purchase_timestamp", ""))
            delivered = _when(row.get("order_delivered_customer_date", ""))
            promised = _when(row.get("order_estimated_delivery_date", ""))
            if row.get("order_status") != "delivered" or bought is None or delivered is None:
                continue
            samples.append(Sample(bought, delivered, promised.date() if promised else None))
    return samples


def train(*, path: Path | None = None, out: Path | None = None) -> Params:
    """Fit on every delivered order of the excerpt and write the parameters as JSON."""
    params = choose_and_fit(read_olist_orders(path or olist_excerpt_path()))
    target = out or model_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(params.to_dict(), indent=2, sort_keys=True))
    return params


def evaluate(*, path: Path | None = None) -> tuple[Metrics, Metrics, Params]:
    """Time-based split: fit on what was known at the cut, score ours and Olist's promises on
    the orders bought after it."""
    train_set, test = time_split(read_olist_orders(path or olist_excerpt_path()))
    params = choose_and_fit(train_set)
    test = [s for s in test if s.promised_on]
    ours = score([params.promise(s.purchased_at) for s in test], test)
    theirs = score([s.promised_on for s in test if s.promised_on], test)
    return ours, theirs, params


def load_params() -> Params | None:
    try:
        return Params.from_dict(json.loads(model_path().read_text()))
    except (OSError, ValueError, TypeError):
        return None


def promised_datetime(placed_at: datetime.datetime | None = None) -> datetime.datetime:
    """The date we promise for an order placed at `placed_at` (now by default), as the end of
    that day in the shop's time zone. Without a trained model: the configured default days."""
    placed_at = timezone.localtime(placed_at or timezone.now())
    params = load_params()
    days = params.days_for(placed_at) if params else settings.RAPPORT_DELIVERY_DEFAULT_DAYS
    day = placed_at.date() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(18, 0)))
