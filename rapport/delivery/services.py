"""Training, storing and using the delivery-date model (the fitted parameters live in a JSON
file, `RAPPORT_DELIVERY_MODEL_PATH`, by default `var/delivery_model.json`)."""

from __future__ import annotations

import csv
import datetime
import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from rapport.delivery.model import Metrics, Params, Sample, choose_and_fit, score, time_split

if TYPE_CHECKING:
    from rapport.orders.models import Order

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
            samples.append(
                Sample(
                    bought,
                    delivered,
                    promised.date() if promised else None,
                    approved_at=_when(row.get("order_approved_at", "")),
                    handed_over_at=_when(row.get("order_delivered_carrier_date", "")),
                )
            )
    return samples


def train(*, path: Path | None = None, out: Path | None = None) -> Params:
    """Fit on every delivered order of the excerpt and write the parameters as JSON."""
    params = choose_and_fit(read_olist_orders(path or olist_excerpt_path()))
    target = out or model_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(params.to_dict(), indent=2, sort_keys=True))
    return params


@dataclass(frozen=True)
class Evaluation:
    cut: datetime.datetime
    params: Params
    ours: Metrics  # our checkout promise on the test orders
    olist: Metrics  # Olist's promise on the same orders
    ours_handover: Metrics | None  # our re-estimate at hand-over, on test orders handed over
    olist_handover: Metrics | None  # Olist's (checkout-time) promise on those same orders


def evaluate(*, path: Path | None = None) -> Evaluation:
    """Time-based split: choose and fit on what was known at the cut (orders bought and
    delivered before it), score ours and Olist's promises on the orders bought after it."""
    samples = read_olist_orders(path or olist_excerpt_path())
    cut, test = time_split(samples)
    params = choose_and_fit(samples, known_at=cut)
    test = [s for s in test if s.promised_on]
    ours = score([params.promise(s.purchased_at) for s in test], test)
    theirs = score([s.promised_on for s in test if s.promised_on], test)
    ours_handover = olist_handover = None
    shipped = [s for s in test if s.handed_over_at]
    if params.handover is not None and shipped:
        later = [
            params.promise_after_handover(
                purchased_at=s.purchased_at,
                handed_over_at=s.handed_over_at,  # type: ignore[arg-type]
                approved_at=s.approved_at,
            )
            for s in shipped
        ]
        ours_handover = score(later, shipped)  # type: ignore[arg-type]
        olist_handover = score([s.promised_on for s in shipped if s.promised_on], shipped)
    return Evaluation(cut, params, ours, theirs, ours_handover, olist_handover)


def load_params() -> Params | None:
    """The stored model, or None when there is none or it is unreadable or of an older format
    (promises then use `RAPPORT_DELIVERY_DEFAULT_DAYS` until `train_delivery_model` runs)."""
    try:
        return Params.from_dict(json.loads(model_path().read_text()))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def promised_datetime(placed_at: datetime.datetime | None = None) -> datetime.datetime:
    """The date we promise for an order placed at `placed_at` (now by default), as the end of
    that day in the shop's time zone. Without a trained model: the configured default days."""
    placed_at = timezone.localtime(placed_at or timezone.now())
    params = load_params()
    days = params.days_for(placed_at) if params else settings.RAPPORT_DELIVERY_DEFAULT_DAYS
    day = placed_at.date() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(18, 0)))


def updated_promise(order: Order) -> datetime.datetime | None:
    """The firmer date once the order is with the carrier (end of that day, shop time), or None
    before shipping, after delivery, or without a model that knows hand-over times. The order's
    own promise (`estimated_delivery_at`, fixed at checkout) is kept as it was."""
    if order.shipped_at is None or order.delivered_at is not None:
        return None
    params = load_params()
    if params is None:
        return None
    local = timezone.localtime
    day = params.promise_after_handover(
        purchased_at=local(order.placed_at),
        handed_over_at=local(order.shipped_at),
        approved_at=local(order.approved_at) if order.approved_at else None,
    )
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(18, 0)))
