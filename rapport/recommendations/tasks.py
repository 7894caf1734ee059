"""Background jobs: rule refresh (incremental every few minutes, full nightly), follow-ups."""

from __future__ import annotations

from celery import shared_task

from rapport.recommendations import services


@shared_task
def update_rules_task() -> int:
    """Add orders placed since the last run to the counts and re-rank (exact, cheap)."""
    return services.refresh_rules(full=False).baskets


@shared_task
def recompute_rules_task() -> int:
    """Nightly: recount every order (forgets cancelled ones, refreshes category rules) and
    propose bundles from the strongest rules."""
    state = services.refresh_rules(full=True)
    services.suggest_bundles()
    return state.baskets


@shared_task
def send_follow_ups_task() -> dict[str, int]:
    """Hourly: one cross-sell email per recent order, through the outbox (consent, budget)."""
    return services.send_cross_sell_followups()


@shared_task
def refresh_picks_task(customer_ids: list[int] | None = None) -> int:
    """Every six hours (and on demand for one customer): the stored "Picked for you" lists."""
    from rapport.recommendations.refresh import refresh_picks

    return refresh_picks(customer_ids=customer_ids)
