"""Without a broker, send outbox mail after the response rather than inside the request.

With REDIS_URL, `send_message_task.delay` only puts the task on the queue and a Celery worker
sends the mail. Without it Celery runs tasks eagerly, in the calling thread: a message queued
during a web request would make the person wait for the SMTP conversation (and for attachments
such as the PDF e-receipt, which take longer than the rest of the request).

So in eager mode, messages dispatched while a request is being handled are kept in a per-thread
list and sent by a `request_finished` receiver. Django fires `request_finished` when the server
closes the response, i.e. after the WSGI server has written it to the client and before that
worker takes its next request: the person has the page; the same process then sends the mail,
one after the other. Outside a request (management commands, tasks, the shell, the test suite
calling services directly) mail goes at once, as before.

Nothing depends on this for correctness: a dispatched message is a QUEUED row in the outbox, and
if the process dies before `request_finished`, `send_outbox` sends it later. This is plumbing
around the request, not business flow, which is why it may use the request signals.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import connections

log = logging.getLogger(__name__)

_state = threading.local()


def is_eager() -> bool:
    from rapport.messaging.tasks import send_message_task

    return bool(send_message_task.app.conf.task_always_eager)


def defer(message_pk: int) -> bool:
    """Keep `message_pk` for after the current response; False when there is none to wait for
    (not inside a request, or a broker takes the work anyway)."""
    pending: list[int] | None = getattr(_state, "pending", None)
    if pending is None or not is_eager():
        return False
    pending.append(message_pk)
    return True


def _request_started(**kwargs: Any) -> None:
    # Never replace a list that holds messages: under ASGI, requests that overlap share the
    # thread that runs synchronous code, and whichever finishes first sends what is pending.
    if getattr(_state, "pending", None) is None:
        _state.pending = []


def _request_finished(**kwargs: Any) -> None:
    from rapport.messaging.services import dispatch

    pending: list[int] | None = getattr(_state, "pending", None)
    _state.pending = None  # from here on, this thread is outside a request: send at once
    if not pending:
        return
    for message_pk in pending:
        dispatch(message_pk)
    # Sending used the database after Django's own request_finished clean-up had run: hand the
    # connection back the same way (never inside an open transaction, e.g. a test's).
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def connect() -> None:
    """Called once from `MessagingConfig.ready()`."""
    request_started.connect(_request_started, dispatch_uid="messaging.after_response.started")
    request_finished.connect(_request_finished, dispatch_uid="messaging.after_response.finished")
