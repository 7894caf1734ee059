"""The checker's stored report: faults new since the last run are flagged and mailed to the
content team through the outbox (once); the portal shows the report; the permission matrix."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from rapport.content.checker.crawler import Fault, Kind, Report
from rapport.content.checker.services import run_check, store_report
from rapport.content.models import CheckedPage, CheckRun
from rapport.content.tests.planted import page, serve
from rapport.core.testing import FORBIDDEN, REDIRECT_HOME, Row, check_matrix, expect, redirect_to
from rapport.messaging.models import Message

pytestmark = pytest.mark.django_db


def report(*faults):
    return Report(faults=list(faults), pages=3)


@override_settings(RAPPORT_CONTENT_TEAM_EMAIL="content@shop.example.com")
def test_new_faults_are_flagged_and_mailed_once(smtp_server, django_capture_on_commit_callbacks):
    broken = Fault(Kind.BROKEN_LINK, "http://shop/missing/", "http://shop/a/", "404")
    with django_capture_on_commit_callbacks(execute=True):
        first = store_report(CheckRun.objects.create(base_url="http://shop/"), report(broken))
    assert first.new_faults == 1
    mails = smtp_server.wait_for(1)
    assert "http://shop/missing/" in mails[0].get_body(("plain",)).get_content()
    assert Message.objects.filter(to_address="content@shop.example.com").count() == 1

    # The same fault again: not new, no mail. A second fault: new, mailed.
    again = store_report(CheckRun.objects.create(base_url="http://shop/"), report(broken))
    assert again.new_faults == 0
    orphan = Fault(Kind.ORPHAN_PAGE, "http://shop/lost/")
    third = store_report(CheckRun.objects.create(base_url="http://shop/"), report(broken, orphan))
    assert third.new_faults == 1
    assert list(third.faults.filter(is_new=True).values_list("kind", flat=True)) == [
        Kind.ORPHAN_PAGE
    ]
    assert Message.objects.filter(to_address="content@shop.example.com").count() == 2


def test_run_check_crawls_and_the_portal_shows_the_report(home, people, clients):
    site = {
        "/": page("Home", "Welcome", '<a href="/gone/">gone</a>'),
    }
    with serve(site) as url:
        run = run_check(base_url=url, trigger="portal")
    assert run.pages == 1
    # The broken link, with the page linking to it; and the content tree's sections, which
    # this tiny site never links to, are orphans.
    assert set(run.faults.values_list("kind", "url", "found_on")) == {
        (Kind.BROKEN_LINK, url + "/gone/", url + "/"),
        (Kind.ORPHAN_PAGE, url + "/news/", ""),
        (Kind.ORPHAN_PAGE, url + "/stories/", ""),
    }
    shown = clients["employee"].get(reverse("portal:site_check")).content.decode()
    assert url + "/gone/" in shown and 'data-kind="broken_link"' in shown


def test_permission_matrix(home, people, clients, settings):
    settings.RAPPORT_CHECKER_BASE_URL = "http://127.0.0.1:9/"  # nothing listens: a quick run
    rows = [
        Row(
            "portal:site_check",
            reverse("portal:site_check"),
            expect(non_staff=REDIRECT_HOME, staff=200),
        ),
        Row(
            "portal:site_check_run",
            reverse("portal:site_check_run"),
            expect(
                non_staff=REDIRECT_HOME,
                employee=FORBIDDEN,
                manager=redirect_to(reverse("portal:site_check")),
            ),
            method="post",
        ),
    ]
    assert check_matrix(rows, clients, {}) == []


def test_a_second_run_reuses_unchanged_pages_and_still_reports_a_deleted_one(home, clients):
    site = {
        "/": page("Home", "Welcome", '<a href="/a/">a</a><a href="/b/">b</a>'),
        "/a/": page("Page A", "About A", '<a href="/b/">b</a>'),
        "/b/": page("Page B", "About B"),
    }
    served: list[tuple[str, int]] = []
    with serve(site, served) as url:
        first = run_check(base_url=url)
        assert (first.pages, first.reused) == (3, 0)
        served.clear()
        again = run_check(base_url=url)
        assert (again.pages, again.reused) == (3, 3)
        assert {status for _path, status in served} == {304}
        shown = clients["employee"].get(reverse("portal:site_check")).content.decode()
        assert "3 addresses were unchanged since the check before" in shown
        del site["/b/"]
        third = run_check(base_url=url)
        full = run_check(base_url=url, incremental=False)
    assert third.reused == 2
    broken = {(url + "/b/", url + "/"), (url + "/b/", url + "/a/")}
    for run in (third, full):
        assert set(run.faults.filter(kind=Kind.BROKEN_LINK).values_list("url", "found_on")) == (
            broken
        )
    assert full.reused == 0
    assert CheckedPage.objects.filter(base_url=url + "/").count() == 3
