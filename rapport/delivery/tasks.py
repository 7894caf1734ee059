"""Background job: refit the promise model from the store's own shipments (nightly)."""

from __future__ import annotations

from celery import shared_task

from rapport.delivery import services


@shared_task
def retrain_delivery_model_task() -> int:
    """Refit on the store's delivered orders once there are enough of them; returns how many
    orders the new model learnt from (0: not retrained, the current model stays)."""
    promiser = services.retrain_from_store()
    return promiser.trained_on if promiser else 0
