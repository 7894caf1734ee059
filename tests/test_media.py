"""Uploaded media is served by `make run` (DEBUG), and only there: production serves MEDIA_URL
from the web server or object storage (docs/hardening.md)."""

import importlib

import pytest
from django.urls import clear_url_caches

import config.urls


@pytest.fixture
def urls_with(settings):
    def load(debug: bool) -> None:
        settings.DEBUG = debug
        importlib.reload(config.urls)
        clear_url_caches()

    yield load
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


def test_uploaded_media_is_served_in_development(client, settings, tmp_path, urls_with):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "products").mkdir()
    (tmp_path / "products" / "red.png").write_bytes(b"\x89PNG fake")

    urls_with(True)
    served = client.get("/media/products/red.png")
    urls_with(False)
    not_served = client.get("/media/products/red.png")

    assert served.status_code == 200
    assert b"".join(served.streaming_content) == b"\x89PNG fake"
    assert not_served.status_code == 404
