"""The staff entrance is not discoverable; security headers; `check --deploy` is clean."""

import os
import subprocess
import sys
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from rapport.catalog.tests.factories import CategoryFactory, ProductFactory

ROOT = Path(__file__).resolve().parent.parent


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action") and value:
                self.hrefs.append(value)


def crawl(client: Client, start: str = "/", limit: int = 300) -> dict[str, str]:
    """Breadth-first over same-origin links from `start`; returns {url: body}."""
    seen: dict[str, str] = {}
    queue = deque([start])
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        if response.streaming:  # static files: nothing to follow
            seen[url] = ""
            continue
        body = response.content.decode(errors="replace") if response.status_code == 200 else ""
        seen[url] = body
        if response.status_code in (301, 302):
            queue.append(response["Location"])
        if "text/html" not in response.get("Content-Type", ""):
            continue
        parser = Links()
        parser.feed(body)
        for href in parser.hrefs:
            parts = urlsplit(urljoin("http://testserver" + url, href))
            if parts.netloc == "testserver" and parts.scheme in ("http", ""):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


@pytest.mark.django_db
def test_no_public_page_leads_to_the_staff_entrance(people):
    lights = CategoryFactory(name="Candles & Lights", slug="candles-lights")
    for _ in range(3):
        ProductFactory(category=lights)
    staff_path = f"/{settings.RAPPORT_STAFF_PATH}"
    from rapport.core.testing import login_customer

    customer = Client()
    login_customer(customer, people["customer"])
    for client in (Client(), customer):
        pages = crawl(client)

        assert len(pages) > 5  # the crawl really went somewhere
        assert "/" in pages
        assert [url for url in pages if url.startswith(staff_path)] == []
        assert [url for url, body in pages.items() if settings.RAPPORT_STAFF_PATH in body] == []
    robots = Client().get("/robots.txt").content.decode()
    assert settings.RAPPORT_STAFF_PATH not in robots
    assert Client().get("/sitemap.xml").status_code == 404


@pytest.mark.django_db
def test_security_headers_on_every_page(client):
    response = client.get("/")

    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_cookies_are_secure_httponly_and_samesite_outside_debug(client, people, password):
    from rapport.accounts.tests.helpers import store_login

    client.get("/login/")
    response = store_login(client, people["customer"].email, password)

    session = response.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert settings.CSRF_COOKIE_SECURE is True
    assert settings.PASSWORD_HASHERS[0].endswith("MD5PasswordHasher")  # tests only


def test_production_hashes_passwords_with_argon2():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.PASSWORD_HASHERS[0])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "s" * 60,
        "ALLOWED_HOSTS": "shop.example.com",
        "RAPPORT_SITE_URL": "https://shop.example.com",
    }
    env.pop("DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    from rapport.devices.ca import new_key_pem

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # The checks read the schema (generated columns), so they get a database of their own.
        "RAPPORT_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "p" + "r0duct10n-s3cr3t-" * 4,
        "ALLOWED_HOSTS": "shop.example.com",
        "RAPPORT_SITE_URL": "https://shop.example.com",
        # Device enrolment's CA key (docs/devices.md): without it the deploy check fails.
        "RAPPORT_DEVICE_CA_KEY": new_key_pem(),
    }
    # A production environment: nothing the test session itself set (the browser fixture sets
    # DJANGO_ALLOW_ASYNC_UNSAFE for Playwright).
    for name in (
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "DATABASE_URL",
    ):
        env.pop(name, None)

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
