"""/healthz, /readyz and /metrics: shapes, a broken database or mail server, and who may scrape."""

import pytest
from django.db import connection
from django.urls import reverse

from rapport.core.testing import (
    ALLOW,
    NOT_FOUND,
    Row,
    check_matrix,
    expect,
    free_port,
    smtp_mailers,
)

CHECKS = {"database", "redis", "celery", "smtp", "disk", "backup"}


@pytest.mark.django_db
def test_liveness_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readiness_lists_every_check_and_reveals_no_secret(client, settings, smtp_server):
    settings.RAPPORT_BACKUP_KEY = "a-secret-that-must-not-show"

    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == CHECKS
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["smtp"]["status"] == "ok"
    assert body["checks"]["disk"]["status"] == "ok"
    # No backup yet: reported, but not a reason to take the node out of service.
    assert body["checks"]["backup"] == {
        "name": "backup",
        "status": "fail",
        "critical": False,
        "detail": "no backup yet",
    }
    text = response.content.decode()
    assert str(smtp_server.port) not in text and "a-secret" not in text
    assert "127.0.0.1" not in text


@pytest.mark.django_db
def test_a_mail_server_that_is_down_makes_readiness_fail(client, settings):
    settings.MAILERS = smtp_mailers(free_port(), timeout=1)  # nothing listens there

    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["smtp"]["status"] == "fail"
    assert body["checks"]["smtp"]["detail"] == "ConnectionRefusedError"
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_redis_that_is_down_and_a_full_disk_make_readiness_fail(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    settings.RAPPORT_HEALTH_MIN_FREE_DISK_MB = 10**12  # more than any disk has

    response = client.get("/readyz")

    checks = response.json()["checks"]
    assert response.status_code == 503
    assert checks["redis"] == {
        "name": "redis",
        "status": "fail",
        "critical": True,
        "detail": "ConnectionError",
    }
    assert checks["disk"]["status"] == "fail"
    assert checks["database"]["status"] == "ok"


@pytest.mark.django_db
def test_a_broker_without_workers_makes_readiness_fail(client, settings):
    settings.REDIS_URL = settings.REDIS_URL or "redis://127.0.0.1:6379/15"
    settings.CELERY_TASK_ALWAYS_EAGER = False  # tasks go to workers: one must answer

    response = client.get("/readyz")

    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["celery"]["status"] == "fail"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_that_is_unreachable_makes_readiness_fail(client):
    if connection.vendor != "postgresql":
        pytest.skip("needs a PostgreSQL server to point away from")
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["HOST"] = "127.0.0.1"
    connection.settings_dict["PORT"] = str(free_port())  # no server there
    try:
        response = client.get("/readyz")
        body = response.json()
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)

    assert response.status_code == 503
    assert body["checks"]["database"]["status"] == "fail"
    assert body["checks"]["database"]["detail"] == "OperationalError"
    assert body["checks"]["backup"]["critical"] is False


@pytest.mark.django_db
def test_metrics_answer_a_scraper_with_the_token_in_prometheus_format(client, settings):
    settings.RAPPORT_METRICS_TOKEN = "scrape-token-123"

    refused = client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong")
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-123")

    assert refused.status_code == 404
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'rapport_http_responses_5m{class="5xx"}' in text
    assert "rapport_backup_age_seconds -1.0" in text
    assert 'rapport_alerts_firing{severity="critical"} 0.0' in text


@pytest.mark.django_db
def test_metrics_are_not_public_without_a_token(client, settings):
    settings.RAPPORT_METRICS_TOKEN = ""

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.django_db
def test_operations_endpoints_permission_matrix(people, clients, settings):
    settings.RAPPORT_METRICS_TOKEN = ""
    rows = [
        Row("operations:healthz", reverse("operations:healthz"), expect(everyone=ALLOW)),
        Row("operations:readyz", reverse("operations:readyz"), expect(everyone=ALLOW)),
        Row(
            "operations:metrics",
            reverse("operations:metrics"),
            expect(non_staff=NOT_FOUND, staff=ALLOW),
        ),
    ]
    assert check_matrix(rows, clients, {}) == []
