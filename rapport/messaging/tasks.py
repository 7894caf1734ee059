"""Celery tasks of the outbox. They take primary keys, are idempotent and call services."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from rapport.messaging import services
from rapport.messaging.models import Message, MessageStatus


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_message_task(self: Any, message_pk: int) -> str | None:
    """Send one message if it is still due (running it twice sends it once).

    On an SMTP failure the row is RETRYING with its next attempt time; with a worker we also
    retry the task at that time (exponential backoff), and `send_outbox_task` catches anything
    missed. Run eagerly (no Redis) it never retries in-process: the periodic run does.
    """
    status = services.send_message(message_pk)
    if status == MessageStatus.RETRYING and not self.request.is_eager:
        from django.utils import timezone

        due = Message.objects.values_list("next_attempt_at", flat=True).get(pk=message_pk)
        countdown = max(1, int((due - timezone.now()).total_seconds()))
        raise self.retry(countdown=countdown)
    return status


@shared_task(acks_late=True)
def send_messages_task(message_pks: list[int]) -> int:
    """Send several due messages (a campaign batch's), each exactly once like
    `send_message_task`; returns how many were handled. One that fails stays RETRYING with its
    next attempt time and the periodic `send_outbox_task` sends it then."""
    return sum(services.send_message(pk) is not None for pk in message_pks)


@shared_task
def send_outbox_task() -> int:
    """Periodic: release held mail the budget has room for and send everything due."""
    return services.send_due_messages()
