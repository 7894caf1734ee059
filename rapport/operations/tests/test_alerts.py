"""The watch agent: a burst of 5xx raises an alert within the window and resolves after it
stops (controlled time, no sleeps), one open alert per rule, escalation, acknowledgement,
and a mail server that is down raises an alert and loses no mail."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from rapport.core.testing import free_port, smtp_mailers
from rapport.messaging.models import Message
from rapport.messaging.services import send_due_messages
from rapport.operations.alerts import AlertError, acknowledge_alert, evaluate_alert_rules
from rapport.operations.models import Alert, AlertRule, AlertStatus
from rapport.operations.notices import KIND
from rapport.operations.rules import save_alert_rule

pytestmark = pytest.mark.django_db


def only_rule(**values):
    AlertRule.objects.update(is_active=False)  # the shipped defaults stay out of the way
    base = {
        "name": "Server errors",
        "metric": "http_5xx_rate",
        "parameter": "",
        "comparator": "gt",
        "threshold": "5",
        "window_minutes": 1,
        "severity": "critical",
        "recipients": "oncall@example.com",
        "escalate_after_minutes": "",
        "is_active": True,
    }
    return save_alert_rule(actor=None, values={**base, **values})


def at(clock):
    return datetime.datetime.fromtimestamp(clock.now, tz=datetime.UTC)


def alert_mails():
    return list(Message.objects.filter(send_time__kind=KIND).order_by("id"))


def hit(client, clock, path, n, *, every=1.0):
    for _ in range(n):
        client.get(path)
        clock.now += every


@pytest.mark.urls("rapport.operations.tests.urls_with_failures")
def test_a_burst_of_server_errors_raises_an_alert_and_it_resolves_after_the_burst(
    clock, smtp_server, people
):
    only_rule()
    client = Client(raise_request_exception=False)
    start = clock.now
    burst_start, burst_end = start + 120, start + 210  # 90 s of crashes in 7 minutes of traffic
    evaluations = []
    for second in range(420):  # one request a second; the agent runs once a minute
        clock.now = start + second
        client.get("/test-crash/" if burst_start <= clock.now < burst_end else "/test-fine/")
        if second % 60 == 30:
            evaluations.append(evaluate_alert_rules(now=at(clock)))

    alert = Alert.objects.get()
    opened_at = alert.opened_at.timestamp()
    resolved_at = alert.resolved_at.timestamp()
    assert alert.status == AlertStatus.RESOLVED
    assert burst_start < opened_at <= burst_start + 120
    assert burst_end < resolved_at <= burst_end + 120
    assert alert.peak_value > 5
    assert sum(len(e.opened) for e in evaluations) == 1
    assert evaluations[0].opened == [] and evaluations[-1].opened == []

    # One firing mail and one resolve notice to the rule's recipient, through the outbox.
    mails = alert_mails()
    assert [(m.to_address, m.send_time["event"]) for m in mails] == [
        ("oncall@example.com", "firing"),
        ("oncall@example.com", "resolved"),
    ]
    send_due_messages()
    subjects = sorted(str(m["Subject"]) for m in smtp_server.wait_for(2))
    assert subjects == ["Alert (Critical): Server errors", "Resolved: Server errors"]


@pytest.mark.urls("rapport.operations.tests.urls_with_failures")
def test_an_open_alert_is_not_raised_again_while_the_condition_holds(clock):
    only_rule(window_minutes=5)
    client = Client(raise_request_exception=False)
    hit(client, clock, "/test-crash/", 30)

    first = evaluate_alert_rules(now=at(clock))
    clock.now += 60
    second = evaluate_alert_rules(now=at(clock))

    assert len(first.opened) == 1 and second.opened == [] and second.resolved == []
    assert Alert.objects.count() == 1
    assert len(alert_mails()) == 1


def test_too_few_requests_are_not_a_rate(clock):
    only_rule()
    from rapport.operations.request_stats import stats

    for _ in range(3):
        stats.record(500, 10, at=clock.now)

    result = evaluate_alert_rules(now=at(clock))

    assert result.opened == [] and result.unmeasured == ["Server errors"]


def test_an_unacknowledged_alert_escalates_to_every_manager_once(people, clock):
    from rapport.operations.request_stats import stats

    only_rule(window_minutes=60, escalate_after_minutes="10")
    for _ in range(25):
        stats.record(503, 10, at=clock.now)
    opened_at = at(clock)

    evaluate_alert_rules(now=opened_at)
    five = evaluate_alert_rules(now=opened_at + datetime.timedelta(minutes=5))
    eleven = evaluate_alert_rules(now=opened_at + datetime.timedelta(minutes=11))
    twelve = evaluate_alert_rules(now=opened_at + datetime.timedelta(minutes=12))

    assert five.escalated == [] and len(eleven.escalated) == 1 and twelve.escalated == []
    mails = [(m.to_address, m.send_time["event"]) for m in alert_mails()]
    assert mails == [
        ("oncall@example.com", "firing"),
        (people["manager"].email, "escalated"),
    ]


def test_an_acknowledged_alert_does_not_escalate(people, clock):
    from rapport.operations.request_stats import stats

    only_rule(window_minutes=60, escalate_after_minutes="10")
    for _ in range(25):
        stats.record(500, 10, at=clock.now)
    opened_at = at(clock)
    [alert] = evaluate_alert_rules(now=opened_at).opened

    acknowledge_alert(alert=alert, actor=people["manager"], now=opened_at)
    later = evaluate_alert_rules(now=opened_at + datetime.timedelta(minutes=30))

    assert later.escalated == []
    alert.refresh_from_db()
    assert alert.acknowledged_by == people["manager"] and alert.escalated_at is None
    with pytest.raises(AlertError):
        acknowledge_alert(alert=alert, actor=people["manager"])


def test_acknowledging_in_the_portal(people, clients, clock):
    from django.urls import reverse

    from rapport.operations.request_stats import stats

    only_rule(window_minutes=60)
    for _ in range(25):
        stats.record(500, 10, at=clock.now)
    [alert] = evaluate_alert_rules(now=at(clock)).opened

    page = clients["manager"].get(reverse("portal:ops_alerts"))
    response = clients["manager"].post(reverse("portal:ops_alert_ack", args=[alert.public_id]))

    assert "Server errors" in page.content.decode()
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == people["manager"]


def test_low_stock_of_a_product_raises_an_alert(clock):
    from rapport.checkout.tests.factories import stocked_product

    product = stocked_product(quantity=2)
    only_rule(
        name="Low stock",
        metric="stock_level",
        parameter=product.sku,
        comparator="lte",
        threshold="3",
        severity="warning",
    )

    result = evaluate_alert_rules(now=timezone.now())

    assert [a.rule.name for a in result.opened] == ["Low stock"]
    assert result.opened[0].first_value == 2


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_is_down_raises_an_alert_and_loses_no_mail(client, people, settings):
    from aiosmtpd.controller import Controller
    from django.urls import reverse

    from rapport.core.testing import Mailbox

    port = free_port()
    settings.MAILERS = smtp_mailers(port, timeout=2)  # the mail server is down
    only_rule(
        name="Mail stuck",
        metric="outbox_retrying",
        comparator="gte",
        threshold="1",
        severity="warning",
        recipients="",  # every manager
    )
    client.post(reverse("storefront:password_reset"), {"email": people["customer"].email})

    [opened] = evaluate_alert_rules().opened

    assert opened.rule.metric == "outbox_retrying"
    assert Message.objects.filter(status="retrying").count() == 2  # the reset and the alert
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        Message.objects.filter(status="retrying").update(next_attempt_at=timezone.now())
        send_due_messages()
        [resolved] = evaluate_alert_rules().resolved
        mailbox.wait_for(3)
    finally:
        controller.stop()

    assert resolved.pk == opened.pk
    got = sorted((str(m["To"]), str(m["Subject"])) for m in mailbox.messages)
    manager = people["manager"].email
    assert len(got) == 3
    assert (manager, "Alert (Warning): Mail stuck") in got
    assert (manager, "Resolved: Mail stuck") in got
    assert any(to == people["customer"].email for to, _ in got)
    assert Message.objects.exclude(status="sent").count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_evaluators_at_once_open_one_alert_and_send_one_mail(clock):
    """Two beat runs overlapping (a slow minute): the rule row's lock makes the second see the
    first's alert, so one alert and one mail."""
    from rapport.core.testing import run_concurrently, skip_unless_postgres
    from rapport.operations.request_stats import stats

    skip_unless_postgres()
    only_rule(window_minutes=60)
    for _ in range(25):
        stats.record(500, 10, at=clock.now)
    stats.flush(clock.now)
    now = at(clock)

    results = run_concurrently(4, lambda i: evaluate_alert_rules(now=now))

    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(len(r.opened) for r in results) == 1
    assert Alert.objects.count() == 1
    assert len(alert_mails()) == 1


def test_another_app_can_register_a_metric_for_rules(clock):
    """The hook the site checker uses: a registered metric is offered, validated and watched."""
    from decimal import Decimal

    from rapport.operations import alert_metrics

    faults = {"count": Decimal(0)}
    alert_metrics.register(
        alert_metrics.Metric(
            "site_checker_faults", "Site checker faults", "faults", lambda p, w, n: faults["count"]
        )
    )
    try:
        only_rule(name="Broken links", metric="site_checker_faults", comparator="gt", threshold="0")
        assert evaluate_alert_rules(now=timezone.now()).opened == []
        faults["count"] = Decimal(3)
        [opened] = evaluate_alert_rules(now=timezone.now()).opened
        faults["count"] = Decimal(0)
        [resolved] = evaluate_alert_rules(now=timezone.now()).resolved
    finally:
        alert_metrics.METRICS.pop("site_checker_faults")

    assert opened.pk == resolved.pk and opened.first_value == 3
