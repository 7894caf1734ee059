"""Satisfaction surveys: CSAT after a delivery and after a ticket is closed, NPS each quarter.

The flows call these services directly (no signals): `orders.lifecycle.advance_order` on
delivery, `aftersales.tickets.update_ticket` and `support.inbound.close_case` on closing. A
survey is one outbox mail (`messaging.services.queue_message`, purpose SURVEYS), so consent,
retirement, the contact budget and quiet hours apply; a survey the budget would hold is not
sent at all (a stale survey is worth nothing). The mail has one signed, expiring link per score:
one click answers, a later click on another score of the same mail changes the answer, and
the landing page takes an optional comment. The token names the survey and the score, so it
can't answer anyone else's survey, and a changed token fails its signature.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import audit
from rapport.core.paths import PathPattern
from rapport.customers.models import Customer, Purpose
from rapport.feedback.models import SURVEY_SCORES, Survey, SurveyKind
from rapport.messaging import rendering
from rapport.messaging.models import MessageStatus, Priority

log = logging.getLogger(__name__)

TOKEN_SALT = "rapport.feedback.survey"  # noqa: S105 (a salt, not a secret)
MAX_COMMENT = 2000
ANSWER_PATH = PathPattern("storefront:survey_answer", token=rendering.PATH_SAMPLE)
NPS_PROMOTER, NPS_DETRACTOR = 9, 6  # 9-10 promote, 0-6 detract (Reichheld)


class SurveyError(Exception):
    """A link that cannot be used (forged, expired, unknown); the message is safe to show."""


class _NotSent(Exception):
    """Rolls the survey back: the outbox held or refused its mail."""


# --- Links ------------------------------------------------------------------------------------


def make_token(survey: Survey, score: int) -> str:
    return signing.dumps({"s": survey.public_id.hex, "v": score}, salt=TOKEN_SALT)


def answer_url(survey: Survey, score: int) -> str:
    return rendering.token_url(ANSWER_PATH, make_token(survey, score))


def read_token(token: str) -> tuple[Survey, int]:
    """The survey and score a link stands for; SurveyError when it is forged, damaged,
    expired, or names a score the survey does not offer."""
    max_age = datetime.timedelta(days=settings.RAPPORT_SURVEY_LINK_DAYS)
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise SurveyError(_("This survey has closed. Thank you all the same.")) from exc
    except signing.BadSignature as exc:
        raise SurveyError(_("This survey link is not valid.")) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("v"), int):
        raise SurveyError(_("This survey link is not valid."))
    survey = (
        Survey.objects.select_related("customer").filter(public_id=str(payload.get("s"))).first()
    )
    if survey is None or payload["v"] not in SURVEY_SCORES[SurveyKind(survey.kind)]:
        raise SurveyError(_("This survey link is not valid."))
    return survey, int(payload["v"])


# --- Sending ----------------------------------------------------------------------------------


def _send(
    *, customer: Customer, kind: str, about: str, about_label: str, actor: Any = None
) -> Survey | None:
    """Create the survey and queue its mail, or nothing at all: None when the customer can't
    be asked (no consent for surveys, retired, erased, no address), was already asked about
    this, or the contact budget is used up."""
    if Survey.objects.filter(kind=kind, about=about).exists():
        return None
    from rapport.messaging.services import MessageRefused, queue_message

    try:
        with transaction.atomic():
            survey = Survey.objects.create(
                customer=customer, kind=kind, about=about, about_label=about_label[:64]
            )
            scores = SURVEY_SCORES[SurveyKind(kind)]
            message = queue_message(
                customer=customer,
                template="survey_nps" if kind == SurveyKind.NPS else "survey_csat",
                context={
                    "kind": kind,
                    "about_label": about_label,
                    "scores": [(score, answer_url(survey, score)) for score in scores],
                    "link_days": settings.RAPPORT_SURVEY_LINK_DAYS,
                },
                purpose=Purpose.SURVEYS,
                priority=Priority.LOW,
                actor=actor,
            )
            if message.status == MessageStatus.HELD:
                raise _NotSent("contact budget")
            survey.message = message
            survey.save(update_fields=["message"])
            audit.record(
                action="survey.sent",
                actor=actor,
                target=survey,
                customer=customer,
                summary=f"Survey sent: {SurveyKind(kind).label} ({about_label})",
                data={"kind": kind, "about": about},
            )
            return survey
    except (MessageRefused, _NotSent) as exc:
        log.info("Survey %s %s not sent: %s", kind, about, exc)
        return None


def after_delivery(*, order: Any, actor: Any = None) -> Survey | None:
    """The CSAT survey about a delivered order (called by the order lifecycle)."""
    if order.customer_id is None:
        return None
    return _send(
        customer=order.customer,
        kind=SurveyKind.CSAT_DELIVERY,
        about=f"order:{order.pk}",
        about_label=order.number,
        actor=actor,
    )


def after_ticket(*, ticket: Any, actor: Any = None) -> Survey | None:
    """The CSAT survey about a closed after-sales ticket."""
    return _send(
        customer=ticket.customer,
        kind=SurveyKind.CSAT_TICKET,
        about=f"ticket:{ticket.pk}",
        about_label=ticket.number,
        actor=actor,
    )


def after_case(*, case: Any, actor: Any = None) -> Survey | None:
    """The CSAT survey about an answered support case (a mail a person answered)."""
    if case.customer_id is None:
        return None
    return _send(
        customer=case.customer,
        kind=SurveyKind.CSAT_TICKET,
        about=f"case:{case.pk}",
        about_label=case.number,
        actor=actor,
    )


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int  # 1-4

    @classmethod
    def containing(cls, day: datetime.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """ "2026Q4" → Quarter(2026, 4); ValueError otherwise."""
        year, sep, number = text.upper().partition("Q")
        if not sep or not year.isdigit() or number not in ("1", "2", "3", "4"):
            raise ValueError(f"Not a quarter: {text!r} (write 2026Q4)")
        return cls(int(year), int(number))

    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> datetime.date:  # exclusive
        nxt = Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        return nxt.start

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


def nps_customers(quarter: Quarter) -> Any:
    """Customers who placed an order (not cancelled) in the quarter, not yet asked for it."""
    from rapport.orders.models import Order, OrderKind, OrderStatus

    tz = timezone.get_default_timezone()
    start = datetime.datetime.combine(quarter.start, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(quarter.end, datetime.time.min, tzinfo=tz)
    ordered = Order.objects.filter(
        customer=OuterRef("pk"),
        kind=OrderKind.ORDER,
        placed_at__gte=start,
        placed_at__lt=end,
    ).exclude(status=OrderStatus.CANCELLED)
    asked = Survey.objects.filter(
        customer=OuterRef("pk"), kind=SurveyKind.NPS, about__startswith=f"{quarter}:"
    )
    return (
        Customer.objects.filter(
            Exists(ordered),
            erased_at__isnull=True,
            merged_into__isnull=True,
            retired_at__isnull=True,
        )
        .exclude(Exists(asked))
        .order_by("pk")
    )


def send_quarterly_nps(quarter: Quarter, *, limit: int | None = None) -> dict[str, int]:
    """One NPS survey to each customer who ordered in `quarter` (idempotent: a second run asks
    nobody twice). Each customer is its own transaction. Returns counts sent / not sent."""
    sent = skipped = 0
    ids = list(nps_customers(quarter).values_list("pk", flat=True)[:limit])
    for pk in ids:
        customer = Customer.objects.get(pk=pk)
        survey = _send(
            customer=customer,
            kind=SurveyKind.NPS,
            about=f"{quarter}:{pk}",
            about_label=str(quarter),
        )
        if survey is None:
            skipped += 1
        else:
            sent += 1
    return {"sent": sent, "not_sent": skipped}


# --- Answering --------------------------------------------------------------------------------


def record_answer(*, survey: Survey, score: int) -> Survey:
    """Store (or change) the survey's score; on the customer's timeline. Clicking the same
    score again changes nothing."""
    if score not in SURVEY_SCORES[SurveyKind(survey.kind)]:
        raise SurveyError(_("This survey link is not valid."))
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.score == score:
            return locked
        before = locked.score
        locked.score, locked.answered_at = score, timezone.now()
        locked.save(update_fields=["score", "answered_at", "updated_at"])
        scale = "0-10" if locked.kind == SurveyKind.NPS else "1-5"
        audit.record(
            action="survey.answered" if before is None else "survey.changed",
            target=locked,
            customer=locked.customer,
            summary=f"{SurveyKind(locked.kind).label} ({locked.about_label}): {score} ({scale})",
            data={"kind": locked.kind, "score": score, "before": before},
        )
        return locked


def save_comment(*, survey: Survey, comment: str) -> Survey:
    """The optional comment of an answered survey (replaces an earlier one)."""
    comment = comment.strip()[:MAX_COMMENT]
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.score is None:
            raise SurveyError(_("Choose a score first."))
        if comment == locked.comment:
            return locked
        locked.comment = comment
        locked.save(update_fields=["comment", "updated_at"])
        audit.record(
            action="survey.commented",
            target=locked,
            customer=locked.customer,
            # The text stays in the survey row (the report; blanked on erasure), not the log.
            summary=f"{SurveyKind(locked.kind).label} ({locked.about_label}): comment"
            + (f" ({len(comment)} characters)" if comment else " removed"),
            data={"kind": locked.kind},
        )
        return locked


def scrub_surveys(*, customer: Customer) -> int:
    """Erasure: blank the comments a customer wrote (the scores stay, anonymous)."""
    return Survey.objects.filter(customer=customer).exclude(comment="").update(comment="")
