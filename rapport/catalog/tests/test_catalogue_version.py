"""The catalogue version is shared by every process through Redis when there is one, and every
write path bumps it, Django's admin included."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.urls import reverse

from rapport.catalog import cache as catalog_cache
from rapport.catalog.models import Category
from rapport.catalog.tests.factories import CategoryFactory

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db(transaction=True)
def test_renaming_a_category_in_the_admin_bumps_the_version(client, make_user):
    from rapport.core.testing import login_staff

    boss = make_user("root@staff.example.com", is_staff=True, is_superuser=True)
    login_staff(client, boss)
    category = CategoryFactory(name="Lamps")
    before = catalog_cache.version()

    response = client.post(
        reverse("admin:catalog_category_change", args=[category.pk]),
        {"name": "Lighting", "slug": category.slug, "source": "staff", "position": 0},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Category.objects.get(pk=category.pk).name == "Lighting"
    assert catalog_cache.version() == before + 1


def test_a_bump_in_another_process_is_seen_here_through_redis(settings):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs REDIS_URL (CI has Redis)")
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    from django.core.cache import cache

    try:
        assert catalog_cache.version() == 1
        env = {**os.environ, "DEBUG": "1", "RAPPORT_CACHE_PREFIX": prefix}
        env["DJANGO_SETTINGS_MODULE"] = "config.settings"
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); "
                "from rapport.catalog.cache import bump_version; bump_version()",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )

        assert catalog_cache.version() == 2
    finally:
        cache.delete(catalog_cache.KEY)
