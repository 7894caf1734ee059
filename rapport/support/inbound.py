"""Inbound support mail: keep it, understand it, answer it from the knowledge base or route it.

`receive_mail` stores the raw message first (in its own transaction: nothing is ever lost),
then `process_inbound` (a Celery task with a worker, inline without one) matches the sender,
classifies the question and either queues an automatic reply through the outbox or opens a
support case for the team that handles the intent.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import audit
from rapport.customers.models import ContactKind, ContactPoint, Customer, Purpose
from rapport.orders.numbers import ALPHABET
from rapport.support import knowledge, mail, queries
from rapport.support.intents import model as intent_model
from rapport.support.intents.catalogue import ORDER_INTENTS, label_for, team_for
from rapport.support.intents.text import extract_question, order_numbers
from rapport.support.models import (
    Article,
    CaseStatus,
    InboundMail,
    InboundStatus,
    Lead,
    SupportCase,
)

log = logging.getLogger(__name__)
NOT_HELPFUL_SALT = "support.not-helpful"
AUTO_REPLY_TEMPLATE = "support_auto_reply"


class SupportError(Exception):
    """A support action that is refused (shown to the person as it is)."""


def receive_mail(*, raw: bytes, envelope_from: str = "", rcpt_tos: list[str] | None = None) -> int:
    """Store one inbound mail as received (raw bytes kept whatever they hold); returns its pk.

    Parsing failures never lose the message: the row is written with what could be read.
    """
    parsed = mail.parse(raw)
    row = InboundMail.objects.create(
        raw=raw,
        size=len(raw),
        envelope_from=envelope_from[:320],
        envelope_to=", ".join(rcpt_tos or [])[:1000],
        from_address=parsed.from_address,
        from_name=parsed.from_name,
        subject=parsed.subject,
        message_id=parsed.message_id,
        references=" ".join([parsed.references, parsed.in_reply_to]).strip()[:2000],
    )
    return row.pk


def dispatch(inbound_pk: int) -> None:
    """Hand processing to a worker (or run it now without a broker). Never raises."""
    from rapport.support.tasks import process_inbound_task

    try:
        process_inbound_task.delay(inbound_pk)
    except Exception:  # the row stays RECEIVED; `process_pending_inbound` picks it up
        log.exception("Could not process inbound mail %s now", inbound_pk)


def _customer_for(address: str) -> Customer | None:
    point = (
        ContactPoint.objects.filter(kind=ContactKind.EMAIL, value__iexact=address)
        .select_related("customer")
        .order_by("-is_primary", "id")
        .first()
    )
    customer: Customer | None
    if point is not None:
        customer = point.customer
    else:
        customer = Customer.objects.filter(email__iexact=address).order_by("id").first()
    if customer is None or customer.erased_at is not None:
        return None
    if customer.merged_into_id is not None:
        return Customer.objects.filter(pk=customer.merged_into_id).first()
    return customer


def _lead_for(address: str, name: str) -> Lead:
    lead, _created = Lead.objects.select_for_update().get_or_create(
        email=address, defaults={"name": name}
    )
    Lead.objects.filter(pk=lead.pk).update(
        mails=lead.mails + 1, last_mail_at=timezone.now(), name=lead.name or name
    )
    return lead


def _order_context(customer: Customer, text: str) -> dict[str, Any] | None:
    from rapport.orders.models import Order

    numbers = order_numbers(text)
    if not numbers:
        return None
    order = Order.objects.filter(customer=customer, number__in=numbers).order_by("-id").first()
    if order is None:
        return None
    return {
        "number": order.number,
        "status": order.get_status_display(),
        "placed_at": order.placed_at,
        "shipped_at": order.shipped_at,
        "delivered_at": order.delivered_at,
        "estimated_delivery_at": order.estimated_delivery_at,
        "url": f"{settings.RAPPORT_SITE_URL}{reverse('storefront:order', args=[order.public_id])}",
    }


def not_helpful_url(inbound: InboundMail) -> str:
    token = signing.dumps(str(inbound.public_id), salt=NOT_HELPFUL_SALT)
    return f"{settings.RAPPORT_SITE_URL}{reverse('storefront:help_not_helpful', args=[token])}"


def inbound_for_token(token: str) -> InboundMail:
    """The mail a "this didn't help" link is about; SupportError for a bad or old link."""
    try:
        public_id = signing.loads(token, salt=NOT_HELPFUL_SALT, max_age=timedelta(days=60))
    except signing.BadSignature as exc:
        raise SupportError(_("This link is not valid.")) from exc
    found = InboundMail.objects.defer("raw").filter(public_id=public_id).first()
    if found is None:
        raise SupportError(_("This link is not valid."))
    return found


def _replies_today(address: str) -> int:
    return InboundMail.objects.filter(
        from_address=address,
        status=InboundStatus.AUTO_REPLIED,
        processed_at__gte=timezone.now() - timedelta(days=1),
    ).count()


def _answers_our_auto_reply(parsed_refs: str) -> bool:
    from rapport.messaging.models import Message

    ids = [ref for ref in parsed_refs.split() if ref.startswith("<")]
    return (
        bool(ids)
        and Message.objects.filter(message_id__in=ids[-20:], template=AUTO_REPLY_TEMPLATE).exists()
    )


def process_inbound(inbound_pk: int) -> str:
    """Decide what one received mail gets; returns the new status. Idempotent (a processed
    mail is left alone) and safe under concurrent workers (the row is locked).

    Auto-replies, bounces and list mail are recorded and ignored. The sender's address finds
    the customer (unknown senders become a Lead, never a customer). The question is
    classified; when its intent has a published article, the confidence reaches the threshold
    (`intents.model.answer_threshold`: the setting, else the model's validated one) and the
    sender has had fewer than
    RAPPORT_AUTO_REPLIES_PER_DAY automatic replies, the article is sent as a threaded reply
    (with the named order's real status for order intents). Anything else opens a case.
    """
    # Loaded (or trained, the first time) before any row is locked.
    pipeline = intent_model.load()
    with transaction.atomic():
        inbound = InboundMail.objects.select_for_update().filter(pk=inbound_pk).first()
        if inbound is None or inbound.status != InboundStatus.RECEIVED:
            return inbound.status if inbound is not None else ""
        parsed = mail.parse(bytes(inbound.raw))
        inbound.question = extract_question(parsed.text, html=parsed.html)[:20_000]
        inbound.processed_at = timezone.now()
        customer = _customer_for(parsed.from_address) if parsed.from_address else None
        if customer is not None:
            Customer.objects.select_for_update().filter(pk=customer.pk).first()  # one at a time
        inbound.customer = customer
        automatic = mail.automatic_reason(parsed, inbound.envelope_from)
        if automatic:
            inbound.status, inbound.reason = InboundStatus.IGNORED, automatic[:300]
            inbound.save()
            _log(inbound, f"not answered ({automatic})")
            return inbound.status
        if customer is None:
            inbound.lead = _lead_for(parsed.from_address, parsed.from_name)
        prediction = intent_model.classify(parsed.text, html=parsed.html, pipeline=pipeline)
        inbound.intent, inbound.confidence = prediction.intent, round(prediction.confidence, 4)
        article = queries.answer_for_intent(prediction.intent)
        reason = _why_not_automatic(
            inbound, parsed, article, intent_model.answer_threshold(prediction)
        )
        if reason:
            open_case(inbound=inbound, reason=reason, actor=None)
            inbound.status, inbound.reason = InboundStatus.CASE_OPENED, reason
        else:
            assert article is not None and customer is not None
            inbound.article = article
            inbound.reply = _queue_reply(inbound, parsed, article, customer)
            inbound.status = InboundStatus.AUTO_REPLIED
        inbound.save()
        _log(inbound, label_for(prediction.intent))
        return inbound.status


def _why_not_automatic(
    inbound: InboundMail, parsed: mail.ParsedMail, article: Any, threshold: float
) -> str:
    if inbound.customer is None:
        return "unknown sender"
    if not inbound.question.strip():
        return "empty message"
    if _answers_our_auto_reply(inbound.references):
        return "reply to an automatic answer"
    if article is None:
        return "no article for this intent"
    if (inbound.confidence or 0) < threshold:
        return "not confident enough"
    if _replies_today(inbound.from_address) >= settings.RAPPORT_AUTO_REPLIES_PER_DAY:
        return "daily automatic-reply limit reached"
    return ""


def _queue_reply(
    inbound: InboundMail, parsed: mail.ParsedMail, article: Article, customer: Customer
) -> Any:
    from rapport.messaging.services import queue_message

    order = None
    if inbound.intent in ORDER_INTENTS:
        order = _order_context(customer, f"{parsed.subject}\n{inbound.question}")
    references = " ".join(
        ref for ref in [*inbound.references.split(), inbound.message_id] if ref.startswith("<")
    )
    headers = {"Auto-Submitted": "auto-replied", "Reply-To": settings.RAPPORT_SUPPORT_ADDRESS}
    if inbound.message_id:
        headers["In-Reply-To"] = inbound.message_id
        headers["References"] = references[-1900:]
    subject = parsed.subject or _("Your question")
    return queue_message(
        customer=customer,
        template=AUTO_REPLY_TEMPLATE,
        context={
            "subject": subject if subject.lower().startswith("re:") else f"Re: {subject}",
            "question_lines": inbound.question.splitlines()[:40],
            "article_title": article.title,
            "article_body": article.body,
            "article_url": settings.RAPPORT_SITE_URL
            + reverse("storefront:help_article", args=[article.slug]),
            "not_helpful_url": not_helpful_url(inbound),
            "order": order,
        },
        purpose=Purpose.TRANSACTIONAL,
        headers=headers,
        contact_point=ContactPoint.objects.filter(
            customer=customer, kind=ContactKind.EMAIL, value__iexact=inbound.from_address
        ).first(),
    )


def _log(inbound: InboundMail, outcome: str) -> None:
    if inbound.customer is None:
        return
    audit.record(
        action="message.received",
        target=inbound,
        customer=inbound.customer,
        summary=f"Mail received: “{inbound.subject[:120]}” — {outcome} "
        f"({inbound.get_status_display()})",
        data={
            "intent": inbound.intent,
            "confidence": inbound.confidence,
            "status": inbound.status,
            "reason": inbound.reason,
        },
    )


def _case_number() -> str:
    return f"S{timezone.now():%y%m%d}-" + "".join(secrets.choice(ALPHABET) for _ in range(6))


def open_case(*, inbound: InboundMail, reason: str, actor: Any) -> SupportCase:
    """Open a support case for a mail, routed to the intent's team with suggested articles.

    For a customer the articles they read lately go on the timeline with it.
    """
    with transaction.atomic():
        suggested = queries.articles_for_intent(inbound.intent, limit=3) if inbound.intent else []
        if len(suggested) < 3 and inbound.question:
            extra = queries.search_articles(" ".join(inbound.question.split()[:12]), limit=3)
            suggested += [a for a in extra if a not in suggested][: 3 - len(suggested)]
        case = SupportCase.objects.create(
            number=_case_number(),
            customer=inbound.customer,
            lead=inbound.lead,
            email=inbound.from_address,
            subject=(inbound.subject or _("(no subject)"))[:300],
            question=inbound.question or "",
            intent=inbound.intent,
            confidence=inbound.confidence,
            team=team_for(inbound.intent),
            reason=reason[:200],
            inbound=inbound,
        )
        case.suggested.set(suggested)
        if inbound.customer is not None:
            audit.record(
                action="ticket.case_opened",
                actor=actor,
                target=case,
                customer=inbound.customer,
                summary=f"Case {case.number} for {case.get_team_display()}: "
                f"{label_for(case.intent) if case.intent else '—'} ({reason})",
                data={"intent": case.intent, "team": case.team, "reason": reason},
            )
            knowledge.record_reads_before_ticket(
                customer=inbound.customer, ticket_label=f"case {case.number}", actor=actor
            )
        return case


def not_helpful(*, inbound: InboundMail, actor: Any) -> SupportCase:
    """The customer says the automatic answer did not help: open a case (once per mail)."""
    with transaction.atomic():
        locked = InboundMail.objects.select_for_update().defer("raw").get(pk=inbound.pk)
        existing = SupportCase.objects.filter(inbound=locked).first()
        if existing is not None:
            return existing
        return open_case(inbound=locked, reason="automatic answer did not help", actor=actor)


def close_case(*, case: SupportCase, actor: Any, answered: bool = True) -> SupportCase:
    """Staff mark a case answered (or closed); on the customer's timeline."""
    with transaction.atomic():
        locked = SupportCase.objects.select_for_update().get(pk=case.pk)
        if locked.status == CaseStatus.CLOSED:
            raise SupportError(_("This case is closed."))
        locked.status = CaseStatus.ANSWERED if answered else CaseStatus.CLOSED
        locked.assignee = actor if getattr(actor, "is_authenticated", False) else locked.assignee
        locked.save(update_fields=["status", "assignee", "updated_at"])
        if locked.customer is not None:
            audit.record(
                action="ticket.case_" + locked.status,
                actor=actor,
                target=locked,
                customer=locked.customer,
                summary=f"Case {locked.number}: {locked.get_status_display()}",
            )
            if answered:  # the CSAT survey about how a person answered (consent, budget)
                from rapport.feedback.surveys import after_case

                after_case(case=locked, actor=actor)
        return locked


def mark_failed(*, inbound_pk: int, error: str) -> None:
    """Processing blew up: keep the mail (raw and all) as FAILED for staff to look at."""
    InboundMail.objects.filter(pk=inbound_pk, status=InboundStatus.RECEIVED).update(
        status=InboundStatus.FAILED, reason=error[:300], processed_at=timezone.now()
    )


def process_pending_inbound(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Periodic safety net: process mail left RECEIVED (a worker was down). Returns count."""
    pending = InboundMail.objects.filter(
        status=InboundStatus.RECEIVED, created_at__lt=timezone.now() - older_than
    ).values_list("pk", flat=True)[:200]
    done = 0
    for pk in list(pending):
        try:
            process_inbound(pk)
            done += 1
        except Exception as exc:
            log.exception("Inbound mail %s failed", pk)
            mark_failed(inbound_pk=pk, error=repr(exc))
    return done
