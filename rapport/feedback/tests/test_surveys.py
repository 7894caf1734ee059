"""Surveys: CSAT after delivery and after a ticket, NPS each quarter, answered in one click."""

from __future__ import annotations

import datetime
import re
from email.message import EmailMessage

import pytest
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from rapport.aftersales.models import TicketStatus
from rapport.aftersales.tests.factories import buy, deliver, stocked_product
from rapport.aftersales.tickets import open_ticket, update_ticket
from rapport.analytics.models import ReportGrant
from rapport.core.models import AuditEntry
from rapport.core.testing import (
    NOT_FOUND,
    REDIRECT_HOME,
    Row,
    check_matrix,
    expect,
)
from rapport.customers.models import ContactKind, Customer, Purpose
from rapport.customers.services import add_contact_point, set_consent
from rapport.feedback import surveys
from rapport.feedback.models import Survey, SurveyKind
from rapport.feedback.reports import nps_score
from rapport.messaging.models import Message, MessageStatus
from rapport.orders.models import OrderLine
from rapport.support.inbound import close_case
from rapport.support.models import SupportCase

pytestmark = pytest.mark.django_db

LINK = re.compile(r"^(\d+): (http\S+/survey/(\S+)/)$", re.MULTILINE)


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    settings.RAPPORT_QUIET_HOURS_START = settings.RAPPORT_QUIET_HOURS_END = 0


def asked(customer: Customer, *, surveys_ok: bool = True) -> Customer:
    """An email contact point with (or without) consent to surveys."""
    add_contact_point(
        customer=customer,
        kind=ContactKind.EMAIL,
        value=customer.email,
        actor=None,
        source="test",
        surveys=surveys_ok,
    )
    return customer


@pytest.fixture
def ann(people):
    return asked(Customer.objects.get(user=people["customer"]))


@pytest.fixture
def bob(people):
    return asked(Customer.objects.get(user=people["other_customer"]))


def delivered_order(people, customer, key="k1"):
    product = stocked_product(price="9.00")
    user = customer.user
    return deliver(buy(user, customer, [(product, 1)], key=key), people["employee"])


def survey_mails(customer: Customer):
    return Message.objects.filter(customer=customer, purpose=Purpose.SURVEYS)


def links(text: str) -> dict[int, str]:
    return {int(score): token for score, _url, token in LINK.findall(text)}


def answer_path(token: str) -> str:
    return reverse("storefront:survey_answer", args=[token])


# --- The round trip -------------------------------------------------------------------------


def test_delivery_mails_a_survey_and_one_click_from_it_stores_the_answer(
    transactional_db, people, smtp_server, client
):
    ann = asked(Customer.objects.get(user=people["customer"]))
    order = delivered_order(people, ann)

    survey = Survey.objects.get(customer=ann, kind=SurveyKind.CSAT_DELIVERY)
    mails = [m for m in smtp_server.wait_for(3) if order.number in str(m["Subject"])]
    found = [m for m in mails if "How was your order" in str(m["Subject"])]
    assert len(found) == 1, [str(m["Subject"]) for m in smtp_server.messages]
    mail: EmailMessage = found[0]
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content().replace("\r\n", "\n")
    tokens = links(text)
    assert sorted(tokens) == [1, 2, 3, 4, 5], text
    assert mail["List-Unsubscribe"]  # survey mail is not transactional: one-click unsubscribe

    page = client.get(answer_path(tokens[4]))  # no sign-in: the link is the permission

    assert page.status_code == 200 and b"4" in page.content
    survey.refresh_from_db()
    assert survey.score == 4 and survey.answered_at is not None
    entry = AuditEntry.objects.get(action="survey.answered")
    assert entry.customer == ann and "4" in entry.summary
    response = client.post(answer_path(tokens[4]), {"comment": "  Quick, thanks  "})
    assert response.status_code == 200
    survey.refresh_from_db()
    assert survey.comment == "Quick, thanks"
    assert AuditEntry.objects.filter(action="survey.commented", customer=ann).exists()


def test_answering_twice_keeps_one_answer_and_the_second_click_changes_it(people, ann, client):
    delivered_order(people, ann)
    survey = Survey.objects.get(customer=ann)
    tokens = links(survey_mails(ann).get().body_text)

    client.get(answer_path(tokens[2]))
    client.get(answer_path(tokens[2]))
    client.get(answer_path(tokens[5]))

    assert Survey.objects.filter(customer=ann).count() == 1
    survey.refresh_from_db()
    assert survey.score == 5
    actions = list(
        AuditEntry.objects.filter(action__startswith="survey.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["survey.sent", "survey.answered", "survey.changed"]


def test_the_mail_is_in_the_customers_language(people, ann):
    ann.language = "zh-hans"
    ann.save(update_fields=["language"])

    delivered_order(people, ann)

    message = survey_mails(ann).get()
    assert message.language == "zh-hans"
    assert "您的订单" in message.subject and "满意" in message.body_text


# --- Links that must not work ---------------------------------------------------------------


def test_a_tampered_forged_or_expired_link_is_refused_and_stores_nothing(
    people, ann, bob, client, settings
):
    delivered_order(people, ann)
    delivered_order(people, bob, key="k2")
    ann_survey = Survey.objects.get(customer=ann)
    bob_survey = Survey.objects.get(customer=bob)
    good = links(survey_mails(ann).get().body_text)[5]
    payload, _sep, signature = good.rpartition(":")
    # The same signature on another customer's survey, or on another score, fails.
    other = signing.dumps({"s": bob_survey.public_id.hex, "v": 5}, salt="x")
    spliced = other.rpartition(":")[0] + ":" + signature
    flipped = payload + ":" + ("A" if signature[0] != "A" else "B") + signature[1:]
    unsigned_for_bob = signing.dumps({"s": bob_survey.public_id.hex, "v": 1}, salt="wrong-salt")
    out_of_range = signing.dumps({"s": ann_survey.public_id.hex, "v": 9}, salt=surveys.TOKEN_SALT)

    for token in (spliced, flipped, unsigned_for_bob, "nonsense", out_of_range):
        assert client.get(answer_path(token)).status_code == 404, token
        assert client.post(answer_path(token), {"comment": "x"}).status_code == 404, token

    settings.RAPPORT_SURVEY_LINK_DAYS = 0
    expired = client.get(answer_path(good))
    assert expired.status_code == 404 and b"closed" in expired.content
    assert not Survey.objects.filter(score__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="survey.answered").exists()


def test_a_link_answers_only_its_own_survey(people, ann, bob, client):
    delivered_order(people, ann)
    delivered_order(people, bob, key="k2")
    ann_tokens = links(survey_mails(ann).get().body_text)

    client.get(answer_path(ann_tokens[1]))

    assert Survey.objects.get(customer=ann).score == 1
    assert Survey.objects.get(customer=bob).score is None


# --- Consent, budget, quiet hours, once ----------------------------------------------------


def test_no_survey_without_consent_or_after_it_is_withdrawn(people, ann, make_user):
    point = ann.contact_points.get(kind=ContactKind.EMAIL)
    set_consent(
        contact_point=point, purpose=Purpose.SURVEYS, granted=False, actor=None, source="test"
    )
    user = make_user("cy@example.com")
    never = asked(
        Customer.objects.create(user=user, name="Cy", email="cy@example.com"), surveys_ok=False
    )

    delivered_order(people, ann)
    delivered_order(people, never, key="k3")

    assert not Survey.objects.filter(customer__in=[ann, never]).exists()
    assert not Message.objects.filter(purpose=Purpose.SURVEYS).exists()
    assert not AuditEntry.objects.filter(action__startswith="survey.").exists()


def test_a_survey_the_contact_budget_would_hold_is_not_sent(people, ann, settings):
    from rapport.messaging.services import queue_message

    settings.RAPPORT_CONTACT_BUDGET_PER_WEEK = 2
    settings.RAPPORT_CONTACT_BUDGET_HIGH_RESERVE = 1
    # One non-transactional mail this week uses all a low-priority sender may use.
    queue_message(customer=ann, template="notice", context={"body": "x"}, purpose=Purpose.SURVEYS)

    delivered_order(people, ann)

    assert not Survey.objects.filter(customer=ann).exists()
    assert survey_mails(ann).count() == 1  # only the earlier one
    assert not Message.objects.filter(status=MessageStatus.HELD).exists()


def test_a_survey_inside_quiet_hours_waits_for_their_end(people, ann, settings):
    now = timezone.now().astimezone(ann.tzinfo)
    settings.RAPPORT_QUIET_HOURS_START = now.hour
    settings.RAPPORT_QUIET_HOURS_END = (now.hour + 2) % 24

    delivered_order(people, ann)

    message = survey_mails(ann).get()
    assert message.status == MessageStatus.QUEUED
    assert message.next_attempt_at > timezone.now() + datetime.timedelta(minutes=30)


def test_one_survey_per_order_even_when_asked_twice(people, ann):
    order = delivered_order(people, ann)

    assert surveys.after_delivery(order=order) is None
    assert Survey.objects.filter(customer=ann).count() == 1


# --- Tickets and cases ----------------------------------------------------------------------


def test_closing_a_ticket_or_answering_a_case_sends_a_ticket_survey(people, ann, settings):
    settings.RAPPORT_CONTACT_BUDGET_PER_WEEK = 10
    order = delivered_order(people, ann)
    line = OrderLine.objects.filter(order=order, product__isnull=False).first()
    ticket = open_ticket(line=line, subject="Broken", body="It broke", actor=people["customer"])

    update_ticket(ticket=ticket, actor=people["employee"], status=TicketStatus.IN_PROGRESS)
    assert not Survey.objects.filter(kind=SurveyKind.CSAT_TICKET).exists()
    update_ticket(ticket=ticket, actor=people["employee"], status=TicketStatus.CLOSED)

    case = SupportCase.objects.create(
        number="S9", customer=ann, email=ann.email, subject="Hi", question="Where?"
    )
    close_case(case=case, actor=people["employee"], answered=True)
    unanswered = SupportCase.objects.create(
        number="S10", customer=ann, email=ann.email, subject="Spam", question="x"
    )
    close_case(case=unanswered, actor=people["employee"], answered=False)

    abouts = set(
        Survey.objects.filter(kind=SurveyKind.CSAT_TICKET).values_list("about_label", flat=True)
    )
    assert abouts == {ticket.number, "S9"}
    subjects = set(survey_mails(ann).values_list("subject", flat=True))
    assert any(ticket.number in s for s in subjects) and any("S9" in s for s in subjects)


# --- NPS ------------------------------------------------------------------------------------


def test_quarterly_nps_asks_the_customers_who_ordered_in_the_quarter_once(people, ann, bob):
    from rapport.feedback.tasks import quarterly_nps_task

    order = delivered_order(people, ann)
    quarter = surveys.Quarter.containing(timezone.localdate(order.placed_at))
    bobs = delivered_order(people, bob, key="k2")
    bobs.placed_at -= datetime.timedelta(days=400)  # bob ordered in another quarter
    bobs.save(update_fields=["placed_at"])

    first = quarterly_nps_task(str(quarter))
    second = quarterly_nps_task(str(quarter))

    assert first == {"sent": 1, "not_sent": 0} and second == {"sent": 0, "not_sent": 0}
    nps = Survey.objects.get(kind=SurveyKind.NPS)
    assert nps.customer == ann and nps.about_label == str(quarter)
    assert sorted(links(nps.message.body_text)) == list(range(11))


def test_quarters():
    q = surveys.Quarter.parse("2026q1")
    assert (q.start, q.end) == (datetime.date(2026, 1, 1), datetime.date(2026, 4, 1))
    assert str(q.previous()) == "2025Q4"
    assert surveys.Quarter.containing(datetime.date(2026, 12, 31)).number == 4
    with pytest.raises(ValueError):
        surveys.Quarter.parse("2026Q5")


# --- The report -----------------------------------------------------------------------------


def test_nps_is_promoters_minus_detractors():
    assert nps_score(5, 2, 10) == 30
    assert nps_score(0, 3, 3) == -100
    assert nps_score(0, 0, 0) is None


def test_the_report_shows_csat_per_week_nps_and_comments(people, ann, bob, clients):
    delivered_order(people, ann)
    delivered_order(people, bob, key="k2")
    a, b = Survey.objects.get(customer=ann), Survey.objects.get(customer=bob)
    surveys.record_answer(survey=a, score=5)
    surveys.save_comment(survey=a, comment="Fast delivery")
    surveys.record_answer(survey=b, score=2)
    for customer, score in ((ann, 10), (bob, 3)):
        nps = Survey.objects.create(customer=customer, kind=SurveyKind.NPS, about=f"q:{score}")
        surveys.record_answer(survey=nps, score=score)
    today = timezone.localdate().isoformat()
    url = reverse("portal:report", args=["surveys"]) + f"?start={today}&end={today}"

    page = clients["manager"].get(url).content.decode()

    assert "Fast delivery" in page and "3.50" in page  # the CSAT average of 5 and 2
    # NPS: one promoter, one detractor of two answers → 0.
    assert re.search(r"<td>2</td><td>1</td><td>0</td><td>1</td><td>0.0</td>", page), page
    earlier = clients["manager"].get(
        reverse("portal:report", args=["surveys"]) + "?start=2020-01-01&end=2020-01-31"
    )
    assert "Fast delivery" not in earlier.content.decode()


def test_permission_matrix_of_surveys(people, ann, clients):
    delivered_order(people, ann)
    token = links(survey_mails(ann).get().body_text)[3]
    report = reverse("portal:report", args=["surveys"])
    rows = [
        Row("storefront:survey_answer", answer_path(token), expect(everyone=200)),
        Row(
            "survey comment",
            answer_path(token),
            expect(everyone=200),
            method="post",
            data={"comment": "ok"},
        ),
        Row("forged survey link", answer_path("forged:x"), expect(everyone=NOT_FOUND)),
        Row("portal:report surveys", report, expect(non_managers=REDIRECT_HOME, manager=200)),
    ]
    assert check_matrix(rows, clients, {}) == []

    ReportGrant.objects.create(user=people["employee"], report="surveys")
    granted = [Row("granted", report, expect(non_staff=REDIRECT_HOME, staff=200))]
    assert check_matrix(granted, clients, {}) == []
    assert settings.RAPPORT_SURVEY_LINK_DAYS > 0


def test_erasure_blanks_survey_comments_and_the_log_never_held_them(people, ann):
    from rapport.customers.services import erase_customer

    delivered_order(people, ann)
    survey = surveys.record_answer(survey=Survey.objects.get(customer=ann), score=2)
    surveys.save_comment(survey=survey, comment="Ann here, the parcel was wet")

    erase_customer(customer=ann, actor=people["manager"], reason="GDPR-1")

    survey.refresh_from_db()
    assert survey.comment == "" and survey.score == 2
    assert not AuditEntry.objects.filter(summary__contains="parcel").exists()
