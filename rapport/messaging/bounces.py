"""Inbound delivery status notifications (RFC 3464) and what they do to the record.

A DSN is `multipart/report; report-type=delivery-status`; its second part holds one block of
per-message fields and one block per recipient (Final-Recipient, Action, Status). Status
5.x.x is permanent (a hard bounce), 4.x.x transient. The failed message is found by our VERP
envelope address (bounce+<message id>@…), else by the Message-ID in the returned headers.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.message import Message as EmailMessageBase
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rapport.core import audit
from rapport.customers.models import ContactKind, ContactPoint
from rapport.messaging.models import Message, MessageStatus

log = logging.getLogger(__name__)
VERP = re.compile(r"bounce\+([0-9a-f]{32})@", re.IGNORECASE)


@dataclass
class Recipient:
    address: str
    action: str
    status: str
    diagnostic: str

    @property
    def permanent(self) -> bool:
        return self.status.startswith("5")

    @property
    def failed(self) -> bool:
        return self.action.lower() in ("failed", "delayed") or self.status[:1] in ("4", "5")


@dataclass
class Report:
    recipients: list[Recipient]
    original_message_id: str


def _address(field: str) -> str:
    # "rfc822; ann@example.com" → "ann@example.com"
    return field.split(";", 1)[-1].strip().strip("<>").lower()


def parse_dsn(raw: bytes) -> Report | None:
    """Parse an RFC 3464 report with the stdlib `email` package; None when it is not a DSN."""
    parsed = message_from_bytes(raw, policy=policy.default)
    if parsed.get_content_type() != "multipart/report":
        return None
    if str(parsed.get_param("report-type") or "").lower() != "delivery-status":
        return None
    recipients: list[Recipient] = []
    original = ""
    for part in parsed.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            # The stdlib parses each status block as a header-only sub-message.
            blocks: Any = part.get_payload()
            for block in blocks if isinstance(blocks, list) else []:
                if block.get("Final-Recipient") or block.get("Original-Recipient"):
                    recipients.append(
                        Recipient(
                            address=_address(
                                str(block.get("Final-Recipient") or block.get("Original-Recipient"))
                            ),
                            action=str(block.get("Action", "")).strip(),
                            status=str(block.get("Status", "")).strip(),
                            diagnostic=str(block.get("Diagnostic-Code", "")).strip(),
                        )
                    )
        elif ctype in ("text/rfc822-headers", "message/rfc822"):
            original = original or _original_message_id(part)
    return Report(recipients=recipients, original_message_id=original)


def _original_message_id(part: EmailMessageBase) -> str:
    if part.get_content_type() == "message/rfc822":
        inner: Any = part.get_payload()
        if isinstance(inner, list) and inner:
            return str(inner[0].get("Message-ID", "")).strip()
        return ""
    content: Any = part.get_payload(decode=True) or b""
    headers = message_from_bytes(content, policy=policy.default)
    return str(headers.get("Message-ID", "")).strip()


def _find_message(rcpt_tos: list[str], report: Report) -> Message | None:
    for rcpt in rcpt_tos:
        match = VERP.search(rcpt)
        if match:
            found = Message.objects.filter(public_id=match.group(1)).first()
            if found is not None:
                return found
    if report.original_message_id:
        return Message.objects.filter(message_id=report.original_message_id).first()
    return None


def handle_inbound(raw: bytes, rcpt_tos: list[str]) -> int:
    """Process one inbound email: a DSN updates messages and contact points; returns how many
    failed recipients it recorded (0 for mail that is not a DSN, which is logged and dropped).
    """
    report = parse_dsn(raw)
    if report is None:
        if any(r.lower() == settings.RAPPORT_UNSUBSCRIBE_MAILTO.lower() for r in rcpt_tos):
            return _mailto_unsubscribe(raw)
        log.info("Inbound mail to %s is not a delivery status notification; ignored", rcpt_tos)
        return 0
    message = _find_message(rcpt_tos, report)
    recorded = 0
    for recipient in report.recipients:
        if recipient.failed and record_bounce(message=message, recipient=recipient):
            recorded += 1
    return recorded


def _mailto_unsubscribe(raw: bytes) -> int:
    """The `mailto:` half of List-Unsubscribe: the subject carries the signed token."""
    from rapport.messaging.tracking import TrackingError, unsubscribe

    subject = str(message_from_bytes(raw, policy=policy.default).get("Subject", ""))
    words = subject.split()
    if len(words) != 2 or words[0].lower() != "unsubscribe":
        return 0
    try:
        unsubscribe(token=words[1], source="mailto unsubscribe")
    except TrackingError:
        log.info("Unsubscribe mail with a bad token ignored")
        return 0
    return 1


def record_bounce(*, message: Message | None, recipient: Recipient) -> bool:
    """One failed recipient of a DSN: mark the outbox row bounced and the contact point failing
    or failed (`record_contact_failure`), all on the timeline. A second report about the same
    message and recipient is ignored (returns False), so a repeated DSN counts once.
    """
    from rapport.customers.services import record_contact_failure

    with transaction.atomic():
        points: list[ContactPoint]
        if message is not None:
            locked = Message.objects.select_for_update().get(pk=message.pk)
            if locked.bounced_at is not None:
                return False
            Message.objects.filter(pk=locked.pk).update(
                status=MessageStatus.BOUNCED if recipient.permanent else locked.status,
                bounced_at=timezone.now(),
                last_error=f"{recipient.status} {recipient.diagnostic}"[:500],
            )
            kind = "permanent" if recipient.permanent else "transient"
            audit.record(
                action="message.bounced",
                target=locked,
                customer=locked.customer,
                summary=f"“{locked.subject}” bounced ({kind}, {recipient.status})",
                data={"status": recipient.status, "diagnostic": recipient.diagnostic[:300]},
            )
            points = [locked.contact_point] if locked.contact_point is not None else []
        else:
            points = list(
                ContactPoint.objects.filter(kind=ContactKind.EMAIL, value__iexact=recipient.address)
            )
        for point in points:
            record_contact_failure(
                contact_point=point,
                permanent=recipient.permanent,
                reason=f"{recipient.status} {recipient.diagnostic}".strip()[:300],
            )
        return bool(points) or message is not None


class BounceHandler:
    """aiosmtpd handler: accept every message, process DSNs in a worker thread (the ORM is sync)."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(
                None, _process_in_thread, bytes(envelope.content), list(envelope.rcpt_tos)
            )
        except Exception:
            log.exception("Processing an inbound bounce failed")
            return "451 4.3.0 Temporary failure processing the report"
        return "250 OK"


def _process_in_thread(raw: bytes, rcpt_tos: list[str]) -> int:
    from django.db import close_old_connections, connection

    close_old_connections()
    try:
        return handle_inbound(raw, rcpt_tos)
    finally:
        connection.close()


def build_dsn(
    *,
    original: EmailMessage | None,
    recipient: str,
    status: str,
    reporting_mta: str,
    to: str,
    original_message_id: str,
    diagnostic: str = "",
) -> bytes:
    """An RFC 3464 DSN byte for byte as a receiving MTA (Postfix) writes one.

    Used by the tests and the example in docs/messaging.md. `original` (the bounced message)
    is returned as text/rfc822-headers when given.
    """
    import uuid

    boundary = f"dsn-{uuid.uuid4().hex}"
    action = "failed" if status.startswith("5") else "delayed"
    returned = (
        "".join(f"{k}: {v}\r\n" for k, v in original.items())
        if original is not None
        else f"Message-ID: {original_message_id}\r\nTo: {recipient}\r\n"
    )
    lines = [
        f"From: Mail Delivery System <MAILER-DAEMON@{reporting_mta}>",
        f"To: {to}",
        "Subject: Undelivered Mail Returned to Sender",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
        "",
        "This is a MIME-encapsulated message.",
        "",
        f"--{boundary}",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        f"Your message to <{recipient}> could not be delivered.",
        "",
        f"--{boundary}",
        "Content-Type: message/delivery-status",
        "",
        f"Reporting-MTA: dns; {reporting_mta}",
        "",
        f"Final-Recipient: rfc822; {recipient}",
        f"Original-Recipient: rfc822; {recipient}",
        f"Action: {action}",
        f"Status: {status}",
        *([f"Diagnostic-Code: smtp; {diagnostic}"] if diagnostic else []),
        "",
        f"--{boundary}",
        "Content-Type: text/rfc822-headers",
        "",
        returned.rstrip("\r\n"),
        "",
        f"--{boundary}--",
        "",
    ]
    return "\r\n".join(lines).encode()
