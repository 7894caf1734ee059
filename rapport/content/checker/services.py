"""Run the site checker against the store and keep its report; mail the content team (through
the outbox) when a run finds faults the previous run did not have."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from rapport.content.checker.crawler import Crawler, PageFacts, Report, Settings, run_crawler
from rapport.content.models import ArticlePage, CheckedPage, CheckFault, CheckRun
from rapport.core import audit
from rapport.messaging import send_time

MAIL_KIND = "content.site_check"
MAIL_LIMIT = 50


def checker_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slow_ms": settings.RAPPORT_CHECKER_SLOW_MS,
        "concurrency": settings.RAPPORT_CHECKER_CONCURRENCY,
        "pause": settings.RAPPORT_CHECKER_PAUSE_MS / 1000,
        "fetch_external": settings.RAPPORT_CHECKER_FETCH_EXTERNAL,
        "external_allow": tuple(settings.RAPPORT_CHECKER_EXTERNAL_ALLOW),
        "cookie": f"{settings.CSRF_COOKIE_NAME}={crawler_csrf_secret()}",
    }
    values.update(overrides)
    return Settings(**values)


def crawler_csrf_secret() -> str:
    """The CSRF cookie the checker sends the store, the same on every crawl: the store gives a
    page a validator only for a visitor who has one (`core.conditional.etag`), and the page's
    forms are drawn from it. 32 letters and digits, a valid CSRF secret, derived from the
    secret key."""
    return salted_hmac("rapport.content.checker.csrf", "crawler", algorithm="sha256").hexdigest()[
        :32
    ]


def known_pages() -> list[str]:
    """The content tree's listed pages (archived ones are meant to be unlinked)."""
    pages = ArticlePage.objects.live().filter(archived_at__isnull=True, depth__gt=2)
    return [p.url for p in pages.specific() if p.url]


def run_check(
    *,
    base_url: str | None = None,
    trigger: str = "nightly",
    actor: Any = None,
    incremental: bool = True,
    **overrides: Any,
) -> CheckRun:
    """Crawl the store and keep the report. `incremental`: ask with the last run's validators
    and reuse the facts of every page the store answers 304 (unchanged); off, every page is
    downloaded and parsed again."""
    base = (base_url or settings.RAPPORT_CHECKER_BASE_URL).rstrip("/") + "/"
    run = CheckRun.objects.create(base_url=base, trigger=trigger)
    known = [urljoin(base, u) for u in known_pages()]
    previous = last_facts(base) if incremental else {}
    crawler = Crawler([base], checker_settings(**overrides), known_pages=known, previous=previous)
    report = run_crawler(crawler)
    keep_facts(base, report.facts)
    return store_report(run, report, actor=actor)


def last_facts(base_url: str) -> dict[str, PageFacts]:
    """What the last run saw at each URL of the site."""
    rows = CheckedPage.objects.filter(base_url=base_url).values_list("url", "facts")
    return {url: PageFacts.from_dict(facts) for url, facts in rows.iterator(chunk_size=2000)}


def keep_facts(base_url: str, facts: dict[str, PageFacts]) -> None:
    """Replace the site's kept facts with this run's (URLs no longer reached are dropped)."""
    with transaction.atomic():
        CheckedPage.objects.filter(base_url=base_url).delete()
        CheckedPage.objects.bulk_create(
            (
                CheckedPage(base_url=base_url, url=url, facts=item.as_dict())
                for url, item in facts.items()
                if len(url) <= 2000
            ),
            batch_size=1000,
        )


def store_report(run: CheckRun, report: Report, *, actor: Any = None) -> CheckRun:
    previous = CheckRun.objects.filter(finished_at__isnull=False, pk__lt=run.pk).first()
    seen = (
        set(previous.faults.values_list("kind", "url", "found_on"))
        if previous is not None
        else set()
    )
    with transaction.atomic():
        faults = [
            CheckFault(
                run=run,
                kind=f.kind,
                url=f.url[:2000],
                found_on=f.found_on[:2000],
                detail=f.detail[:300],
                is_new=(f.kind, f.url[:2000], f.found_on[:2000]) not in seen,
            )
            for f in report.faults
        ]
        CheckFault.objects.bulk_create(faults, batch_size=1000)
        run.finished_at = timezone.now()
        run.pages = report.pages
        run.seconds = report.seconds
        run.external_links = len(report.external_links)
        run.reused = report.reused
        run.new_faults = sum(1 for f in faults if f.is_new)
        run.save()
        audit.record(
            action="content.site_checked",
            actor=actor,
            target=run,
            summary=(
                f"{run.pages} pages ({run.reused} unchanged URLs reused), "
                f"{len(faults)} faults ({run.new_faults} new)"
            ),
        )
        if run.new_faults:
            from rapport.messaging.services import queue_send_time_message

            queue_send_time_message(
                to=settings.RAPPORT_CONTENT_TEAM_EMAIL,
                spec={"kind": MAIL_KIND, "run_id": run.pk},
                label=f"Site check: {run.new_faults} new faults",
                actor=actor,
            )
    return run


def render_check_mail(spec: dict[str, Any], language: str) -> send_time.SendTimeMail:
    from rapport.content.checker.kinds import LABELS

    run = CheckRun.objects.get(pk=spec["run_id"])
    new = list(run.faults.filter(is_new=True)[:MAIL_LIMIT])
    with translation.override(language):
        rows = [(str(LABELS.get(f.kind, f.kind)), f) for f in new]
        ctx = {"run": run, "rows": rows, "more": max(0, run.new_faults - len(new))}
        subject = _("Site check: %(n)s new faults") % {"n": run.new_faults}
        text = render_to_string("content/email/site_check.txt", ctx)
        html = render_to_string("content/email/site_check.html", ctx)
    return send_time.SendTimeMail(subject=subject, text=text, html=html)
