"""The fixed registry of what an alert rule can watch. Each metric measures one number now (over
the rule's window where that means something), or None when there is nothing to measure (no
traffic, no such product): a rule with nothing to measure neither fires nor resolves.

Other apps add metrics with `register` from their AppConfig.ready (the site checker's fault
count is expected there: `register(Metric("site_checker_faults", ...))`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Measure = Callable[[str, datetime.timedelta, datetime.datetime], Decimal | None]


@dataclass(frozen=True)
class Metric:
    code: str
    label: str | Promise
    unit: str | Promise
    measure: Measure
    # A short description of the parameter when the metric needs one ("" when it does not).
    parameter_label: str | Promise = ""
    parameter_required: bool = False
    # Checks the parameter text; raises ValueError with a readable message.
    check_parameter: Callable[[str], None] | None = None


METRICS: dict[str, Metric] = {}


def register(metric: Metric) -> None:
    METRICS[metric.code] = metric


def get(code: str) -> Metric | None:
    return METRICS.get(code)


def choices() -> list[tuple[str, str]]:
    return [(m.code, str(m.label)) for m in METRICS.values()]


# --- The shipped metrics -------------------------------------------------------------------


def _stock_level(parameter: str, window: datetime.timedelta, now: datetime.datetime):
    from rapport.inventory.models import StockRecord

    quantity = (
        StockRecord.objects.filter(product__sku=parameter.strip())
        .values_list("quantity", flat=True)
        .first()
    )
    return None if quantity is None else Decimal(quantity)


def _check_sku(parameter: str) -> None:
    from rapport.catalog.models import Product

    if not Product.objects.filter(sku=parameter.strip()).exists():
        raise ValueError(_("No product has the SKU “%(sku)s”.") % {"sku": parameter})


def _low_stock_count(parameter: str, window: datetime.timedelta, now: datetime.datetime):
    from rapport.inventory.models import StockRecord

    level = int(parameter or 5)
    return Decimal(StockRecord.objects.filter(product__is_active=True, quantity__lte=level).count())


def _check_level(parameter: str) -> None:
    if parameter.strip() and (not parameter.strip().isdigit()):
        raise ValueError(_("The stock level is a whole number of units, 0 or more."))


def _error_rate(parameter: str, window: datetime.timedelta, now: datetime.datetime):
    from rapport.operations.request_stats import stats

    seen = stats.window(int(window.total_seconds()), now=now.timestamp())
    # A handful of requests is no rate: one failing probe out of two is not an outage.
    if seen.total < settings.RAPPORT_ALERT_MIN_REQUESTS:
        return None
    rate = seen.error_rate
    return None if rate is None else Decimal(f"{rate:.3f}")


def _p95(parameter: str, window: datetime.timedelta, now: datetime.datetime):
    from rapport.operations.request_stats import stats

    seen = stats.window(int(window.total_seconds()), now=now.timestamp())
    if seen.total < settings.RAPPORT_ALERT_MIN_REQUESTS:
        return None
    value = seen.percentile_ms(0.95)
    return None if value is None else Decimal(f"{value:.3f}")


def _held_orders(parameter: str, window: datetime.timedelta, now: datetime.datetime):
    from rapport.risk.models import ReviewStatus, RiskAssessment

    return Decimal(
        RiskAssessment.objects.filter(
            status=ReviewStatus.HELD, created_at__gt=now - window, created_at__lte=now
        ).count()
    )


def _fraud_signals(parameter: str, window: datetime.timedelta, now: datetime.datetime):
    from rapport.risk.models import RiskAssessment

    return Decimal(
        RiskAssessment.objects.filter(
            fraud_score__gt=0, created_at__gt=now - window, created_at__lte=now
        ).count()
    )


def _outbox_failed(parameter: str, window: datetime.timedelta, now: datetime.datetime):
    from rapport.messaging.models import Message, MessageStatus

    return Decimal(
        Message.objects.filter(
            status=MessageStatus.FAILED, updated_at__gt=now - window, updated_at__lte=now
        ).count()
    )


def _outbox_retrying(parameter: str, window: datetime.timedelta, now: datetime.datetime):
    from rapport.messaging.models import Message, MessageStatus

    return Decimal(Message.objects.filter(status=MessageStatus.RETRYING).count())


def _outbox_backlog(parameter: str, window: datetime.timedelta, now: datetime.datetime):
    """Messages due for longer than the window and still not sent."""
    from rapport.messaging.models import SENDABLE, Message

    return Decimal(
        Message.objects.filter(status__in=SENDABLE, next_attempt_at__lt=now - window).count()
    )


def _queue_backlog(parameter: str, window: datetime.timedelta, now: datetime.datetime):
    """Tasks waiting in the Celery broker's default queue (Redis only; None without it)."""
    if not settings.REDIS_URL or settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        return Decimal(int(client.llen(parameter.strip() or "celery")))
    finally:
        client.close()


def _backup_age(parameter: str, window: datetime.timedelta, now: datetime.datetime):
    """Hours since the newest complete backup (a very large number before the first)."""
    from rapport.operations.queries import latest_backup

    backup = latest_backup()
    if backup is None:
        return Decimal(999999)
    return Decimal(f"{(now - backup.created_at).total_seconds() / 3600:.3f}")


def _drill_failed(parameter: str, window: datetime.timedelta, now: datetime.datetime):
    """1 when the most recent restore drill found differences (or failed), else 0; None before
    any drill."""
    from rapport.operations.models import Backup

    latest = Backup.objects.filter(drilled_at__isnull=False).order_by("-drilled_at").first()
    if latest is None:
        return None
    return Decimal(0 if latest.drill_ok else 1)


for _metric in (
    Metric(
        "stock_level",
        _("Stock level of a product"),
        _("units"),
        _stock_level,
        _("product SKU"),
        True,
        _check_sku,
    ),
    Metric(
        "low_stock_products",
        _("Products on sale at or below a stock level"),
        _("products"),
        _low_stock_count,
        _("stock level (units, default 5)"),
        False,
        _check_level,
    ),
    Metric("http_5xx_rate", _("Server errors (5xx) in the window"), "%", _error_rate),
    Metric("http_p95_ms", _("95th percentile response time"), "ms", _p95),
    Metric(
        "risk_held_orders",
        _("Orders held for risk review in the window"),
        _("orders"),
        _held_orders,
    ),
    Metric(
        "risk_fraud_signals",
        _("Orders that fired fraud rules in the window"),
        _("orders"),
        _fraud_signals,
    ),
    Metric(
        "outbox_failed", _("Mail that failed for good in the window"), _("messages"), _outbox_failed
    ),
    Metric("outbox_retrying", _("Mail waiting to be retried"), _("messages"), _outbox_retrying),
    Metric(
        "outbox_backlog",
        _("Mail due for longer than the window and not sent"),
        _("messages"),
        _outbox_backlog,
    ),
    Metric(
        "celery_queue_backlog",
        _("Tasks waiting in the background queue"),
        _("tasks"),
        _queue_backlog,
        _("queue name (default celery)"),
    ),
    Metric("backup_age_hours", _("Hours since the last complete backup"), _("hours"), _backup_age),
    Metric(
        "backup_drill_failed",
        _("The latest restore drill found differences (1) or not (0)"),
        "0/1",
        _drill_failed,
    ),
):
    register(_metric)
