"""The survey link in a CSAT/NPS mail: one click stores the score, then an optional comment.

The signed token is the permission (no sign-in): it names one survey and one score, expires,
and a changed token fails its signature (`feedback.surveys.read_token`).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from rapport.feedback import surveys
from rapport.feedback.models import SurveyKind
from rapport.messaging.rendering import language_for


@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """GET (the click in the mail) records the score; POST adds or changes the comment."""
    try:
        survey, score = surveys.read_token(token)
    except surveys.SurveyError as exc:
        return render(request, "storefront/surveys/answer.html", {"error": str(exc)}, status=404)
    comment_saved = False
    with translation.override(language_for(survey.customer)):
        if request.method == "POST":
            # The comment form is shown only after the click has stored a score; a POST with a
            # fresh token stores that score too, so the comment never lands on no answer.
            survey = surveys.record_answer(survey=survey, score=score)
            survey = surveys.save_comment(survey=survey, comment=request.POST.get("comment", ""))
            comment_saved = True
        else:
            survey = surveys.record_answer(survey=survey, score=score)
        response = render(
            request,
            "storefront/surveys/answer.html",
            {
                "survey": survey,
                "is_nps": survey.kind == SurveyKind.NPS,
                "comment_saved": comment_saved,
                "max_comment": surveys.MAX_COMMENT,
            },
        )
        response["Content-Language"] = translation.get_language()
        return response
