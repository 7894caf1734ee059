"""Managers edit alert rules in the portal; bad values are refused with a clear message and
nothing is saved."""

import pytest
from django.urls import reverse

from rapport.core.testing import (
    MANAGER_ONLY,
    REDIRECT_HOME,
    Row,
    check_matrix,
    expect,
    redirect_to,
)
from rapport.operations.models import Alert, AlertRule
from rapport.operations.rules import AlertRuleInvalid, save_alert_rule

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Checkout errors",
    "metric": "http_5xx_rate",
    "parameter": "",
    "comparator": "gt",
    "threshold": "2.5",
    "window_minutes": "5",
    "severity": "warning",
    "recipients": "ops@example.com, lead@example.com",
    "escalate_after_minutes": "30",
    "is_active": "on",
}


def test_the_default_rules_are_shipped():
    from importlib import import_module

    from django.apps import apps

    # A transactional test earlier in the run may have emptied the table: add them again.
    import_module("rapport.operations.migrations.0002_default_alert_rules").add_defaults(apps, None)
    metrics = set(AlertRule.objects.values_list("metric", flat=True))

    assert {"http_5xx_rate", "http_p95_ms", "outbox_retrying", "backup_age_hours"} <= metrics


def test_a_manager_creates_a_rule(clients):
    response = clients["manager"].post(reverse("portal:ops_alert_rule_new"), GOOD)

    assert response.status_code == 302
    rule = AlertRule.objects.get(name="Checkout errors")
    assert (str(rule.threshold), rule.window_minutes, rule.escalate_after_minutes) == (
        "2.500",
        5,
        30,
    )
    assert rule.recipients == "ops@example.com, lead@example.com"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "Give the rule a name."),
        ({"metric": "cpu_temperature"}, "Unknown metric “cpu_temperature”"),
        ({"threshold": "lots"}, "The threshold is a number"),
        ({"threshold": "-1"}, "The threshold is a number from 0 upwards."),
        ({"threshold": "NaN"}, "The threshold is a number from 0 upwards."),
        ({"threshold": "150"}, "A percentage threshold is between 0 and 100."),
        ({"comparator": "=="}, "Choose a condition"),
        ({"window_minutes": "0"}, "The window is between 1 minute and 24 hours"),
        ({"window_minutes": "ten"}, "Enter a whole number of minutes."),
        ({"severity": "apocalyptic"}, "Choose a severity."),
        ({"recipients": "ops@example.com, not-an-address"}, "“not-an-address” is not an email"),
        ({"escalate_after_minutes": "-5"}, "Escalation is after 1 minute to 7 days"),
        ({"parameter": "SKU-1"}, "This metric takes no parameter"),
        ({"metric": "stock_level", "parameter": ""}, "This metric needs a parameter"),
        ({"metric": "stock_level", "parameter": "NO-SUCH-SKU"}, "No product has the SKU"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(clients, change, message):
    response = clients["manager"].post(reverse("portal:ops_alert_rule_new"), {**GOOD, **change})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AlertRule.objects.filter(name__in=["Checkout errors", ""]).exists()


def test_a_duplicate_name_is_refused():
    save_alert_rule(actor=None, values=dict(GOOD))

    with pytest.raises(AlertRuleInvalid) as refused:
        save_alert_rule(actor=None, values=dict(GOOD))

    assert refused.value.field == "name"
    assert AlertRule.objects.filter(name="Checkout errors").count() == 1


def test_editing_a_rule_keeps_its_values_when_a_change_is_refused(clients):
    rule = save_alert_rule(actor=None, values=dict(GOOD))

    response = clients["manager"].post(
        reverse("portal:ops_alert_rule_edit", args=[rule.pk]), {**GOOD, "threshold": "x"}
    )

    assert response.status_code == 400
    rule.refresh_from_db()
    assert str(rule.threshold) == "2.500"


def test_operations_portal_permission_matrix(people, clients):
    from rapport.operations.alerts import evaluate_alert_rules  # noqa: F401

    rule = save_alert_rule(actor=None, values=dict(GOOD))
    from django.utils import timezone

    alert = Alert.objects.create(
        rule=rule,
        severity="warning",
        opened_at=timezone.now(),
        first_value=10,
        last_value=10,
        peak_value=10,
        last_evaluated_at=timezone.now(),
    )
    alerts = reverse("portal:ops_alerts")
    rows = [
        Row("portal:ops_backups", reverse("portal:ops_backups"), expect(**MANAGER_ONLY)),
        Row("portal:ops_alerts", alerts, expect(**MANAGER_ONLY)),
        Row("portal:ops_alert_rules", reverse("portal:ops_alert_rules"), expect(**MANAGER_ONLY)),
        Row(
            "portal:ops_alert_rule_new",
            reverse("portal:ops_alert_rule_new"),
            expect(**MANAGER_ONLY),
        ),
        Row(
            "portal:ops_alert_rule_edit",
            reverse("portal:ops_alert_rule_edit", args=[rule.pk]),
            expect(**MANAGER_ONLY),
        ),
        Row(
            "portal:ops_alert_ack",
            reverse("portal:ops_alert_ack", args=[alert.public_id]),
            expect(non_managers=REDIRECT_HOME, manager=redirect_to(alerts)),
            method="post",
        ),
        Row(
            "portal:ops_backup_run",
            reverse("portal:ops_backup_run"),
            # Without a backup key the task logs the failure; the page still answers.
            expect(non_managers=REDIRECT_HOME, manager=redirect_to(reverse("portal:ops_backups"))),
            method="post",
        ),
    ]
    assert check_matrix(rows, clients, {}) == []
    alert.refresh_from_db()
    assert alert.acknowledged_by == people["manager"]


def _alerts(rule, n):
    from django.utils import timezone

    for i in range(n):
        Alert.objects.create(
            rule=rule,
            severity="warning",
            status="resolved",
            opened_at=timezone.now(),
            resolved_at=timezone.now(),
            first_value=i,
            last_value=i,
            peak_value=i,
            last_evaluated_at=timezone.now(),
        )


def test_the_alerts_page_reads_a_fixed_number_of_queries(clients, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rule = save_alert_rule(actor=None, values=dict(GOOD))
    _alerts(rule, 3)
    with CaptureQueriesContext(connection) as few:
        clients["manager"].get(reverse("portal:ops_alerts"))
    _alerts(rule, 30)
    with CaptureQueriesContext(connection) as many:
        page = clients["manager"].get(reverse("portal:ops_alerts"))

    assert page.status_code == 200
    assert len(many) == len(few)


def test_a_manager_sees_backups_with_their_size_and_drill(clients, backup_settings, tmp_path):
    import sqlite3

    from rapport.operations.backups import create_backup, drill_backup

    path = tmp_path / "db.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
    backup = create_backup(database=database, media_root=tmp_path / "none")
    drill_backup(database=database)

    page = clients["manager"].get(reverse("portal:ops_backups")).content.decode()

    assert backup.file_name in page
    assert "Restored and identical" in page
