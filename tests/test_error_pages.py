"""Error pages look like the shop, speak the visitor's language and show no internals."""

import pytest
from django.conf import settings


@pytest.mark.django_db
def test_a_missing_page_is_the_shops_own_and_lists_no_urls(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()

    assert response.status_code == 404
    assert "Page not found" in page and "Back to the shop" in page
    assert 'class="site-footer"' in page  # the store's own frame, not Django's
    assert settings.RAPPORT_STAFF_PATH not in page and "URLconf" not in page


@pytest.mark.django_db
def test_the_missing_page_speaks_chinese(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_the_server_error_page_needs_no_context():
    from django.template import loader

    assert "Something went wrong" in loader.get_template("500.html").render({})
