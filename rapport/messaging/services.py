"""The outbox: queue (render, check, store), send exactly once with retries, release held mail.

`queue_message` is the one entry point every feature uses to write to a customer.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
import uuid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from rapport.core import audit
from rapport.customers.models import (
    Consent,
    ContactKind,
    ContactPoint,
    ContactStatus,
    Customer,
    Purpose,
)
from rapport.messaging import after_response, budget, rendering, send_time
from rapport.messaging import attachments as attachment_kinds
from rapport.messaging.models import SENDABLE, Message, MessageStatus, Priority

log = logging.getLogger(__name__)

HELD_MAX_AGE = datetime.timedelta(days=14)
# Headers a caller may add to a message (threading a reply, marking it automatic, RFC 3834).
EXTRA_HEADERS = ("In-Reply-To", "References", "Auto-Submitted", "Reply-To")


class MessagingError(Exception):
    """A message that cannot be queued."""


class MessageRefused(MessagingError):
    """Queueing refused for a reason about the person (retired, no consent, no address)."""


def _usable_email(customer: Customer, contact_point: ContactPoint | None) -> ContactPoint | None:
    points = customer.contact_points.filter(kind=ContactKind.EMAIL).exclude(
        status=ContactStatus.FAILED
    )
    if contact_point is not None:
        points = points.filter(pk=contact_point.pk)
    return points.order_by("-is_primary", "id").first()


def _consented(point: ContactPoint, purpose: str) -> bool:
    consent = Consent.objects.filter(contact_point=point, purpose=purpose).first()
    if purpose == Purpose.TRANSACTIONAL:
        # Mail about the customer's own orders and account needs no opt-in, only no opt-out.
        return consent is None or consent.granted
    return consent is not None and consent.granted


def queue_message(
    *,
    customer: Customer,
    template: str,
    context: dict[str, Any] | None = None,
    purpose: str,
    priority: int = Priority.NORMAL,
    actor: Any = None,
    contact_point: ContactPoint | None = None,
    attachments: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Message:
    """Render a message for a customer and store it in the outbox; send it after commit.

    `headers` may add the EXTRA_HEADERS (e.g. In-Reply-To and References of a reply).

    `attachments` says what the sender attaches at send time (registered kinds in
    `messaging.attachments`, e.g. `{"kind": "order-receipt", "order_id": 42}`); nothing is
    rendered for them here.

    Refuses (MessageRefused) erased or merged records, non-transactional mail to retired
    records, contact points without consent for `purpose`, and customers without a usable
    email. Non-transactional mail passes the contact budget (locked per customer, so it holds
    under concurrent senders): over budget it is stored as HELD; inside quiet hours it waits
    for their end. A held message lands on the timeline. Raises MessagingError for an
    unknown template, purpose or attachment kind.
    """
    if purpose not in Purpose.values:
        raise MessagingError(f"Unknown purpose: {purpose}")
    extra = dict(headers or {})
    if set(extra) - set(EXTRA_HEADERS) or any("\n" in v or "\r" in v for v in extra.values()):
        raise MessagingError(f"Headers not allowed: {sorted(extra)}")
    rendering.check_template(template)
    attachments = list(attachments or [])
    try:
        attachment_kinds.check(attachments)
    except attachment_kinds.UnknownAttachment as exc:
        raise MessagingError(str(exc)) from exc
    now = timezone.now()
    with transaction.atomic():
        fresh = Customer.objects.get(pk=customer.pk)
        if fresh.erased_at is not None or fresh.merged_into_id is not None:
            raise MessageRefused("The record is erased or merged.")
        marketing = purpose != Purpose.TRANSACTIONAL
        if marketing and fresh.retired_at is not None:
            raise MessageRefused("The record is retired: no marketing or surveys.")
        point = _usable_email(fresh, contact_point)
        if point is None:
            raise MessageRefused("No usable email address.")
        if not _consented(point, purpose):
            raise MessageRefused(f"No consent for {purpose} mail.")
        public_id = uuid.uuid4()
        message_id = f"<{public_id.hex}@{settings.RAPPORT_BOUNCE_DOMAIN}>"
        rendered = rendering.render(
            template=template,
            context=context or {},
            customer=fresh,
            public_id=public_id,
            message_id=message_id,
            purpose=purpose,
        )
        status, charged_at, due = MessageStatus.QUEUED, None, now
        if marketing:
            locked_budget = budget.lock_budget(fresh)
            if budget.try_charge(locked_budget, priority, now):
                charged_at = now
                due = budget.next_allowed_time(fresh.tzinfo, now)
            else:
                status = MessageStatus.HELD
        message = Message.objects.create(
            public_id=public_id,
            customer=fresh,
            contact_point=point,
            template=template,
            purpose=purpose,
            priority=priority,
            language=rendered.language,
            to_address=point.value,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            headers={**rendered.headers, **extra},
            attachments=attachments,
            message_id=message_id,
            status=status,
            next_attempt_at=due,
            charged_at=charged_at,
            actor_label=str(actor) if actor is not None else "system",
        )
        if status == MessageStatus.HELD:
            audit.record(
                action="message.held",
                actor=actor,
                target=message,
                customer=fresh,
                summary=f"“{message.subject}” held: weekly contact budget reached",
                data={"template": template, "purpose": purpose, "priority": priority},
            )
        elif due <= now:
            transaction.on_commit(lambda: dispatch(message.pk))
        return message


def queue_send_time_message(
    *,
    to: str,
    spec: dict[str, Any],
    label: str,
    language: str | None = None,
    customer: Customer | None = None,
    actor: Any = None,
) -> Message:
    """Store a transactional message rendered only when it is sent (`messaging.send_time`):
    no consent check (it is not marketing), no contact budget, no quiet hours, no tracking.
    Sent after commit, retried through an SMTP outage like every outbox message. `label` is
    what lists show as its subject. Raises MessagingError for a kind nobody renders."""
    try:
        send_time.check(spec)
    except send_time.UnknownKind as exc:
        raise MessagingError(str(exc)) from exc
    public_id = uuid.uuid4()
    message_id = f"<{public_id.hex}@{settings.RAPPORT_BOUNCE_DOMAIN}>"
    with transaction.atomic():
        message = Message.objects.create(
            public_id=public_id,
            customer=customer,
            template=str(spec.get("template", spec["kind"]))[:80],
            purpose=Purpose.TRANSACTIONAL,
            priority=Priority.HIGH,
            language=language or translation.get_language() or settings.LANGUAGE_CODE,
            to_address=to,
            subject=label[:300],
            body_text="",
            headers={"Message-ID": message_id, "From": settings.DEFAULT_FROM_EMAIL},
            send_time=spec,
            message_id=message_id,
            status=MessageStatus.QUEUED,
            next_attempt_at=timezone.now(),
            actor_label=str(actor) if actor is not None else "system",
        )
        transaction.on_commit(lambda: dispatch(message.pk))
        return message


def dispatch(message_pk: int) -> None:
    """Hand a message to the send task. Never raises: the outbox row is the promise.

    With a broker this only enqueues it for a Celery worker. Without one (tasks run eagerly) a
    message dispatched during a web request is sent after the response has gone out
    (`messaging.after_response`), anywhere else at once; a failure then must not break the
    caller — the message stays in the outbox and `send_outbox` retries it.
    """
    from rapport.messaging.tasks import send_message_task

    if after_response.defer(message_pk):
        return
    try:
        send_message_task.delay(message_pk)
    except Exception:  # the broker is down or the eager send blew up: retried later
        log.exception("Could not dispatch message %s; the outbox will retry it", message_pk)


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 6 * 3600))


def _claim(message_pk: int, now: datetime.datetime) -> Message | None:
    """Move one due message to SENDING; None when someone else has it or it is not due."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(skip_locked=True)
            .filter(pk=message_pk, status__in=SENDABLE, next_attempt_at__lte=now)
            .first()
        )
        if message is None:
            return None
        # The conditional update is the claim on databases without row locks (SQLite).
        claimed = Message.objects.filter(pk=message.pk, status__in=SENDABLE).update(
            status=MessageStatus.SENDING, attempts=F("attempts") + 1, updated_at=now
        )
        if claimed != 1:
            return None
        message.refresh_from_db()
        return message


def _email(message: Message) -> EmailMultiAlternatives:
    envelope_from = f"bounce+{message.public_id.hex}@{settings.RAPPORT_BOUNCE_DOMAIN}"
    subject, text, html = message.subject, message.body_text, message.body_html
    if message.send_time:
        mail = send_time.render(message.send_time, message.language)
        subject, text, html = mail.subject, mail.text, mail.html
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=envelope_from,  # the SMTP envelope sender: bounces come back to us
        to=[message.to_address],
        headers=dict(message.headers),
    )
    if html:
        email.attach_alternative(html, "text/html")
    for spec in message.attachments:
        attachment = attachment_kinds.render(spec)
        email.attach(attachment.filename, attachment.content, attachment.mimetype)
    return email


def send_message(message_pk: int) -> str | None:
    """Send one due message exactly once; returns its new status (None: nothing to do).

    Safe to call twice or concurrently: only the caller that claims the row sends it. An SMTP
    outage leaves the message RETRYING with exponential backoff (FAILED after
    RAPPORT_OUTBOX_MAX_ATTEMPTS); a refused recipient fails it at once and counts as a hard
    bounce on the contact point. Attachments are rendered here, after the claim (so only the
    sender renders them); one that cannot be rendered is retried like an outage.
    """
    now = timezone.now()
    message = _claim(message_pk, now)
    if message is None:
        return None
    try:
        email = _email(message)
    except Exception as exc:  # a renderer failed (a bug or a database hiccup): log, try later
        log.exception("Could not build message %s", message.pk)
        return _retry(message, f"Could not render an attachment: {exc!r}")
    try:
        email.send(using="default")  # settings.MAILERS; errors raise, never silent
    except smtplib.SMTPRecipientsRefused as exc:
        return _fail(message, f"Recipient refused: {exc.recipients}", permanent=True)
    except (OSError, smtplib.SMTPException) as exc:
        return _retry(message, str(exc))
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.SENT,
            sent_at=timezone.now(),
            last_error="",
            updated_at=timezone.now(),
        )
        audit.record(
            action="message.sent",
            target=message,
            customer=message.customer,
            summary=f"Email sent: “{message.subject}”",
            data={"template": message.template, "purpose": message.purpose},
        )
    return MessageStatus.SENT


def _retry(message: Message, error: str) -> str:
    """RETRYING with exponential backoff, or FAILED once the attempts are used up."""
    if message.attempts >= settings.RAPPORT_OUTBOX_MAX_ATTEMPTS:
        return _fail(message, f"Gave up after {message.attempts} attempts: {error}")
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.RETRYING,
        next_attempt_at=timezone.now() + _backoff(message.attempts),
        last_error=error[:500],
        updated_at=timezone.now(),
    )
    return MessageStatus.RETRYING


def _fail(message: Message, reason: str, *, permanent: bool = False) -> str:
    from rapport.customers.services import record_contact_failure

    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            status=MessageStatus.FAILED, last_error=reason[:500], updated_at=timezone.now()
        )
        audit.record(
            action="message.failed",
            target=message,
            customer=message.customer,
            summary=f"Email not sent: “{message.subject}”",
            data={"reason": reason[:300]},
        )
        if permanent and message.contact_point is not None:
            record_contact_failure(
                contact_point=message.contact_point, permanent=True, reason=reason
            )
    return MessageStatus.FAILED


def release_held_messages(*, now: datetime.datetime | None = None) -> int:
    """Queue held messages the rolling week now has room for, highest priority first.

    Held mail older than two weeks, or to a record retired meanwhile, is cancelled.
    Returns how many were released.
    """
    now = now or timezone.now()
    Message.objects.filter(status=MessageStatus.HELD, created_at__lt=now - HELD_MAX_AGE).update(
        status=MessageStatus.CANCELLED, last_error="Held too long", updated_at=now
    )
    released = 0
    customer_ids = set(
        Message.objects.filter(status=MessageStatus.HELD).values_list("customer_id", flat=True)
    )
    for customer_id in customer_ids:
        with transaction.atomic():
            customer = Customer.objects.get(pk=customer_id)
            held = Message.objects.filter(customer=customer, status=MessageStatus.HELD)
            if customer.retired_at is not None or customer.merged_into_id is not None:
                held.update(
                    status=MessageStatus.CANCELLED, last_error="Record retired", updated_at=now
                )
                continue
            locked_budget = budget.lock_budget(customer)
            for message in held.order_by("-priority", "created_at"):
                if budget.try_charge(locked_budget, message.priority, now):
                    due = budget.next_allowed_time(customer.tzinfo, now)
                    Message.objects.filter(pk=message.pk).update(
                        status=MessageStatus.QUEUED,
                        charged_at=now,
                        next_attempt_at=due,
                        updated_at=now,
                    )
                    released += 1
    return released


def sending_lease() -> datetime.timedelta:
    """How long a sender holds a claimed message (`updated_at` of a SENDING row is the claim).

    Far longer than one send can take (rendering the attachments plus the SMTP timeout), so a
    sender still alive never loses its message to another."""
    return datetime.timedelta(seconds=settings.RAPPORT_OUTBOX_SENDING_LEASE_SECONDS)


def reclaim_expired_sends(*, now: datetime.datetime | None = None) -> int:
    """Messages whose sender died mid-send (a killed worker): their lease has run out, so they
    are due again and sent by the next run — with the same Message-ID, which receivers use to
    collapse the copy in the rare case the first attempt had already been delivered. Each one
    audited; one that used up its attempts is failed instead. Returns how many were taken back.
    """
    now = now or timezone.now()
    expired = Message.objects.filter(
        status=MessageStatus.SENDING, updated_at__lt=now - sending_lease()
    )
    taken = 0
    for message in expired.select_related("customer"):
        with transaction.atomic():
            again = Message.objects.filter(
                pk=message.pk, status=MessageStatus.SENDING, updated_at=message.updated_at
            )
            if message.attempts >= settings.RAPPORT_OUTBOX_MAX_ATTEMPTS:
                if again.update(
                    status=MessageStatus.FAILED,
                    last_error="Interrupted while sending, attempts used up",
                    updated_at=now,
                ):
                    audit.record(
                        action="message.failed",
                        target=message,
                        customer=message.customer,
                        summary=f"Email not sent: “{message.subject}” (interrupted)",
                    )
                continue
            if not again.update(
                status=MessageStatus.RETRYING,
                next_attempt_at=now,
                last_error="Interrupted while sending; sent again with the same Message-ID",
                updated_at=now,
            ):
                continue  # its sender finished meanwhile
            audit.record(
                action="message.send_interrupted",
                target=message,
                customer=message.customer,
                summary=f"Email “{message.subject}” interrupted while sending: sent again",
                data={"message_id": message.message_id, "attempts": message.attempts},
            )
            taken += 1
    return taken


def send_due_messages(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """The periodic outbox run: release held mail, then send everything due. Returns sends."""
    now = now or timezone.now()
    reclaim_expired_sends(now=now)
    release_held_messages(now=now)
    due = Message.objects.filter(status__in=SENDABLE, next_attempt_at__lte=now).order_by(
        "-priority", "next_attempt_at"
    )
    sent = 0
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        if send_message(pk) == MessageStatus.SENT:
            sent += 1
    return sent


def scrub_messages(*, customer: Customer, strings: list[str]) -> int:
    """Erasure: blank the address, subject, bodies and headers of the customer's messages,
    cancelling any not yet sent."""
    from django.db.models import Q

    query = Q(customer=customer)
    for s in strings:
        query |= Q(to_address__iexact=s)
    messages = Message.objects.filter(query)
    # Nothing unsent may go out to an erased person (or to the literal "[erased]").
    messages.filter(
        status__in=[MessageStatus.QUEUED, MessageStatus.HELD, MessageStatus.RETRYING]
    ).update(status=MessageStatus.CANCELLED, last_error="Recipient erased")
    return messages.update(
        to_address="[erased]",
        subject="[erased]",
        body_text="",
        body_html="",
        headers={},
        attachments=[],
    )


def repoint_messages(*, source: Customer, target: Customer) -> int:
    """Merging records: the loser's messages now belong to the survivor."""
    return Message.objects.filter(customer=source).update(customer=target)
