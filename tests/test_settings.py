"""Settings refuse to start insecurely outside DEBUG."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)"
)


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}
    }
    clean["RAPPORT_SITE_URL"] = "https://shop.example.com"
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [
            sys.executable,
            "-c",
            PRINT_SETTINGS,
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_missing_secret_key_stops_startup_with_a_clear_message():
    result = load_settings(ALLOWED_HOSTS="shop.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_missing_allowed_hosts_stops_startup():
    result = load_settings(SECRET_KEY="s" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_weak_secret_key_is_refused():
    result = load_settings(SECRET_KEY="short", ALLOWED_HOSTS="shop.example.com")
    assert result.returncode != 0
    assert "too weak" in result.stderr


def test_production_settings_have_secure_cookies():
    result = load_settings(SECRET_KEY="s" * 60, ALLOWED_HOSTS="shop.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True"


def test_debug_runs_without_secrets():
    result = load_settings(DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True False"


def test_bad_boolean_is_reported():
    result = load_settings(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_the_published_staff_path_is_refused_outside_debug():
    result = load_settings(
        SECRET_KEY="s" * 60, ALLOWED_HOSTS="shop.example.com", RAPPORT_STAFF_PATH="office-7f3a9c"
    )
    assert result.returncode != 0
    assert "RAPPORT_STAFF_PATH is the published default" in result.stderr
    assert load_settings(DEBUG="1", RAPPORT_STAFF_PATH="office-7f3a9c").returncode == 0


def test_webhook_secret_is_required_and_never_the_secret_key():
    base = {"SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "shop.example.com"}
    missing = load_settings(**base, RAPPORT_PAYMENT_WEBHOOK_SECRET="")
    same = load_settings(**base, RAPPORT_PAYMENT_WEBHOOK_SECRET="s" * 60)
    own = load_settings(**base, RAPPORT_PAYMENT_WEBHOOK_SECRET="whsec_" + "w" * 30)
    assert missing.returncode != 0 and same.returncode != 0
    assert "RAPPORT_PAYMENT_WEBHOOK_SECRET is not set" in missing.stderr
    assert own.returncode == 0, own.stderr


def test_the_test_payment_provider_is_refused_outside_debug_unless_allowed():
    base = {"SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "shop.example.com"}
    refused = load_settings(**base, RAPPORT_ALLOW_TEST_PAYMENTS="0")
    allowed = load_settings(**base, RAPPORT_ALLOW_TEST_PAYMENTS="1")
    assert refused.returncode != 0
    assert "RAPPORT_ALLOW_TEST_PAYMENTS=1" in refused.stderr
    assert allowed.returncode == 0, allowed.stderr
    assert load_settings(DEBUG="1", RAPPORT_ALLOW_TEST_PAYMENTS="0").returncode == 0


def test_the_site_url_is_checked_at_start_up_outside_debug():
    base = {"SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "shop.example.com"}
    missing = load_settings(**base, RAPPORT_SITE_URL="")
    plain_http = load_settings(**base, RAPPORT_SITE_URL="http://shop.example.com")
    other_host = load_settings(**base, RAPPORT_SITE_URL="https://elsewhere.example.com")
    not_a_site = load_settings(**base, RAPPORT_SITE_URL="shop.example.com/path")
    assert "RAPPORT_SITE_URL is not set" in missing.stderr
    assert "must use https" in plain_http.stderr
    assert "is not in ALLOWED_HOSTS" in other_host.stderr
    assert "is not a site address" in not_a_site.stderr
    assert load_settings(**base, RAPPORT_SITE_URL="https://shop.example.com/").returncode == 0
    assert load_settings(DEBUG="1", RAPPORT_SITE_URL="").returncode == 0


def test_a_demo_on_this_machine_runs_over_http_without_debug():
    local = load_settings(
        SECRET_KEY="s" * 60, ALLOWED_HOSTS="127.0.0.1", RAPPORT_SITE_URL="http://127.0.0.1:8000"
    )
    assert local.returncode == 0, local.stderr
    assert local.stdout.strip() == "False False"  # no DEBUG; cookies over plain http


def test_stripe_needs_its_key_and_its_own_webhook_secret():
    base = {
        "SECRET_KEY": "s" * 60,
        "ALLOWED_HOSTS": "shop.example.com",
        "RAPPORT_PAYMENT_PROVIDER": "stripe",
        "RAPPORT_PAYMENT_WEBHOOK_SECRET": "",
        "RAPPORT_ALLOW_TEST_PAYMENTS": "0",
    }
    no_key = load_settings(**base, RAPPORT_STRIPE_WEBHOOK_SECRET="whsec_" + "w" * 30)
    no_secret = load_settings(**base, RAPPORT_STRIPE_SECRET_KEY="sk_live_x")
    same = load_settings(
        **base, RAPPORT_STRIPE_SECRET_KEY="sk_live_x", RAPPORT_STRIPE_WEBHOOK_SECRET="s" * 60
    )
    ok = load_settings(
        **base,
        RAPPORT_STRIPE_SECRET_KEY="sk_live_x",
        RAPPORT_STRIPE_WEBHOOK_SECRET="whsec_" + "w" * 30,
    )
    assert "RAPPORT_STRIPE_SECRET_KEY" in no_key.stderr and no_key.returncode != 0
    assert "RAPPORT_STRIPE_WEBHOOK_SECRET" in no_secret.stderr and no_secret.returncode != 0
    assert same.returncode != 0
    # A real provider needs neither the test provider's flag nor its webhook secret.
    assert ok.returncode == 0, ok.stderr
    assert load_settings(DEBUG="1", RAPPORT_PAYMENT_PROVIDER="paypal").returncode != 0
