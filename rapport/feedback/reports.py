"""The survey report (portal Reports → Surveys): CSAT average and distribution per week, the NPS
(promoters - detractors, with the counts) and the comments, for answers given in the period.
Registered in `analytics.reports.REPORTS`, so its grants and exports are the reports' own."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.analytics.reports import Filters, ReportData, Table
from rapport.feedback.models import Survey, SurveyKind
from rapport.feedback.surveys import NPS_DETRACTOR, NPS_PROMOTER

CSAT_KINDS = (SurveyKind.CSAT_DELIVERY, SurveyKind.CSAT_TICKET)
MAX_COMMENTS = 200


def answered_in(filters: Filters) -> QuerySet[Survey]:
    tz = timezone.get_default_timezone()
    start = datetime.datetime.combine(filters.start, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(filters.end, datetime.time.min, tzinfo=tz)
    return Survey.objects.filter(
        score__isnull=False,
        answered_at__gte=start,
        answered_at__lt=end + datetime.timedelta(days=1),
    ).order_by()


def _average(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def nps_score(promoters: int, detractors: int, answers: int) -> Decimal | None:
    """Per cent promoters minus per cent detractors (-100 … 100), one decimal."""
    if not answers:
        return None
    score = Decimal(100) * (promoters - detractors) / answers
    return score.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


CSAT_COUNTS = {f"s{n}": Count("id", filter=Q(score=n)) for n in range(1, 6)}


def csat_by_week(qs: QuerySet[Survey]) -> list[dict[str, Any]]:
    tz = timezone.get_default_timezone()
    rows = (
        qs.filter(kind__in=CSAT_KINDS)
        .annotate(week=TruncWeek("answered_at", tzinfo=tz))
        .values("week")
        .annotate(answers=Count("id"), average=Avg("score"), **CSAT_COUNTS)
        .order_by("week")
    )
    return [
        {**row, "week": row["week"].date(), "average": _average(row["average"])} for row in rows
    ]


def nps_figures(qs: QuerySet[Survey]) -> dict[str, Any]:
    figures = qs.filter(kind=SurveyKind.NPS).aggregate(
        answers=Count("id"),
        promoters=Count("id", filter=Q(score__gte=NPS_PROMOTER)),
        detractors=Count("id", filter=Q(score__lte=NPS_DETRACTOR)),
    )
    figures["passives"] = figures["answers"] - figures["promoters"] - figures["detractors"]
    figures["nps"] = nps_score(figures["promoters"], figures["detractors"], figures["answers"])
    return figures


def surveys_report(filters: Filters) -> ReportData:
    qs = answered_in(filters)
    weeks = csat_by_week(qs)
    kinds = []
    for kind in CSAT_KINDS:
        figures = qs.filter(kind=kind).aggregate(answers=Count("id"), average=Avg("score"))
        kinds.append(
            {
                "kind": str(SurveyKind(kind).label),
                "answers": figures["answers"],
                "average": _average(figures["average"]),
            }
        )
    nps = nps_figures(qs)
    comments = [
        {
            "answered": timezone.localtime(s.answered_at).date() if s.answered_at else None,
            "kind": str(SurveyKind(s.kind).label),
            "about": s.about_label,
            "score": s.score,
            "customer": s.customer.name,
            "comment": s.comment,
        }
        for s in qs.exclude(comment="")
        .select_related("customer")
        .order_by("-answered_at", "-id")[:MAX_COMMENTS]
    ]
    score_columns = [(f"s{n}", f"{n}★") for n in range(1, 6)]
    return ReportData(
        code="surveys",
        title=str(_("Surveys")),
        tables=[
            Table(
                str(_("Satisfaction (CSAT) by week")),
                [
                    ("week", _("Week of")),
                    ("answers", _("Answers")),
                    ("average", _("Average (1-5)")),
                    *score_columns,
                ],
                weeks,
            ),
            Table(
                str(_("Satisfaction (CSAT) by survey")),
                [("kind", _("Survey")), ("answers", _("Answers")), ("average", _("Average (1-5)"))],
                kinds,
            ),
            Table(
                str(_("Net promoter score")),
                [
                    ("answers", _("Answers")),
                    ("promoters", _("Promoters (9-10)")),
                    ("passives", _("Passives (7-8)")),
                    ("detractors", _("Detractors (0-6)")),
                    ("nps", _("NPS")),
                ],
                [nps] if nps["answers"] else [],
            ),
            Table(
                str(_("Comments")),
                [
                    ("answered", _("Answered")),
                    ("kind", _("Survey")),
                    ("about", _("About")),
                    ("score", _("Score")),
                    ("customer", _("Customer")),
                    ("comment", _("Comment")),
                ],
                comments,
            ),
        ],
        chart={
            "x": [row["week"] for row in weeks],
            "series": [
                {
                    "name": str(_("Average (1-5)")),
                    "type": "line",
                    "data": [row["average"] for row in weeks],
                },
                {"name": str(_("Answers")), "type": "bar", "data": [r["answers"] for r in weeks]},
            ],
        },
    )
