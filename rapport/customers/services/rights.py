"""Data rights: export everything about a person, erase it, merge duplicate records."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from rapport.core import audit
from rapport.customers.models import ContactPoint, Customer
from rapport.customers.services.profile import CustomerError


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


def export_customer_data(*, customer: Customer, actor: Any) -> dict[str, Any]:
    """Everything we hold about one person, as JSON-ready data (audit-logged as an export).

    Profile, contact points with consents, interests, orders with lines and payments, reviews,
    messages, occasions, topic opt-outs and campaign rows (control group included), and the
    whole timeline.
    """
    from rapport.campaigns.queries import customer_export
    from rapport.messaging.models import Message
    from rapport.orders.models import Order, Review

    customer = Customer.objects.select_related("occupation", "user").get(pk=customer.pk)
    user = customer.user
    orders = (
        Order.objects.filter(customer=customer)
        .prefetch_related("lines", "payments")
        .order_by("placed_at")
    )
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "customer": {
            "public_id": str(customer.public_id),
            "name": customer.name,
            "email": customer.email,
            "gender": customer.gender,
            "birthday": _iso(customer.birthday),
            "birth_month": customer.birth_month,
            "age": customer.age,
            "occupation": customer.occupation.name if customer.occupation else None,
            "interests": [i.name for i in customer.interests.all()],
            "time_zone": customer.time_zone,
            "language": customer.language,
            "country": customer.country,
            "region": customer.region,
            "city": customer.city,
            "postal_code": customer.postal_code,
            "is_vip": customer.is_vip,
            "allow_tracking": customer.allow_tracking,
            "profiling_refused": customer.profiling_refused,
            "source": customer.source,
            "external_id": customer.external_id,
            "created_at": _iso(customer.created_at),
            "retired_at": _iso(customer.retired_at),
            "retired_reason": customer.retired_reason,
        },
        "login": None
        if user is None
        else {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "contact_points": [
            {
                "kind": p.kind,
                "value": p.value,
                "label": p.label,
                "is_primary": p.is_primary,
                "status": p.status,
                "failure_count": p.failure_count,
                "failure_reason": p.failure_reason,
                "consents": [
                    {
                        "purpose": c.purpose,
                        "granted": c.granted,
                        "changed_at": _iso(c.changed_at),
                        "source": c.source,
                    }
                    for c in p.consents.all()
                ],
            }
            for p in customer.contact_points.prefetch_related("consents")
        ],
        "orders": [
            {
                "number": o.number,
                "kind": o.kind,
                "status": o.status,
                "placed_at": _iso(o.placed_at),
                "currency": o.currency,
                "total": str(o.total),
                "country": o.country,
                "lines": [
                    {
                        "sku": li.sku,
                        "name": li.name,
                        "quantity": li.quantity,
                        "total": str(li.line_total),
                    }
                    for li in o.lines.all()
                ],
                "payments": [
                    {"method": pay.method, "amount": str(pay.amount), "currency": pay.currency}
                    for pay in o.payments.all()
                ],
            }
            for o in orders
        ],
        "reviews": [
            {
                "order": r.order.number if r.order else None,
                "score": r.score,
                "title": r.title,
                "text": r.text,
            }
            for r in Review.objects.filter(order__customer=customer).select_related("order")
        ],
        "messages": [
            {
                "subject": m.subject,
                "to": m.to_address,
                "purpose": m.purpose,
                "status": m.status,
                "created_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
                "opened_at": _iso(m.opened_at),
                "clicked_at": _iso(m.clicked_at),
            }
            for m in Message.objects.filter(customer=customer).order_by("created_at")
        ],
        **customer_export(customer),
        "timeline": [
            {
                "at": _iso(e.created_at),
                "action": e.action,
                "summary": e.summary,
                "by": e.actor_label,
                "data": e.data,
            }
            for e in customer.timeline_entries.order_by("created_at", "id")
        ],
    }
    audit.record(
        action="customer.data_exported",
        actor=actor,
        target=customer,
        customer=customer,
        summary="Customer data export",
        data={"orders": len(data["orders"]), "timeline_entries": len(data["timeline"])},
    )
    return data


def _personal_strings(customer: Customer) -> list[str]:
    strings = [customer.email, *customer.contact_points.values_list("value", flat=True)]
    if customer.user is not None:
        strings += [customer.user.email, customer.user.get_full_name()]
    # Names shorter than four letters would blank unrelated words in other entries.
    if len(customer.name.strip()) >= 4:
        strings.append(customer.name)
    return [s for s in strings if s]


def erase_customer(*, customer: Customer, actor: Any, reason: str) -> Customer:
    """Anonymise a person (right to erasure), keeping the accounting figures of their orders.

    Blanks the profile, deletes contact points (and consents) and interests, anonymises the
    login (it can no longer sign in), scrubs outbox rows, deletes occasions and account-page
    topic opt-outs (`campaigns.services.erase_customer_data`; campaign rows stay, anonymous) and
    — through the privileged `audit.redact_personal_data` — the audit log. Orders keep their
    numbers, totals, lines and payments, linked to the anonymous record. Irreversible.
    """
    from rapport.campaigns.queries import own_occasion_names
    from rapport.campaigns.services import erase_customer_data
    from rapport.feedback.surveys import scrub_surveys
    from rapport.messaging.services import scrub_messages

    reason = reason.strip()
    if not reason:
        raise CustomerError("Say why the record is erased (the request's reference).")
    with transaction.atomic():
        locked = (
            Customer.objects.select_for_update(of=("self",))
            .select_related("user")
            .get(pk=customer.pk)
        )
        if locked.erased_at is not None:
            return locked
        strings = _personal_strings(locked) + own_occasion_names(locked)
        scrub_messages(customer=locked, strings=strings)
        scrub_surveys(customer=locked)
        erase_customer_data(customer=locked)
        ContactPoint.objects.filter(customer=locked).delete()
        locked.interests.clear()
        now = timezone.now()
        locked.name = ""
        locked.email = ""
        locked.gender = ""
        locked.birthday = None
        locked.birth_month = None
        locked.occupation = None
        locked.region = ""
        locked.city = ""
        locked.postal_code = ""
        locked.profiling_refused = []
        locked.erased_at = now
        locked.retired_at = locked.retired_at or now
        locked.retired_reason = "Erased on request"
        locked.save()
        user = locked.user
        if user is not None:
            user.email = f"erased-{uuid.uuid4().hex}@erased.invalid"
            user.first_name = ""
            user.last_name = ""
            user.is_active = False
            user.set_unusable_password()
            user.save()
        audit.redact_personal_data(customer=locked, strings=strings, actor=actor)
        _scrub_admin_log(strings)
        audit.record(
            action="customer.erased",
            actor=actor,
            target=locked,
            customer=locked,
            summary="Personal data erased on request",
            data={"reason": reason},
        )
        return locked


def _scrub_admin_log(strings: list[str]) -> None:
    """Django's admin keeps object names in its own log; erase them there too."""
    from django.contrib.admin.models import LogEntry
    from django.db.models import Q

    query = Q()
    for s in strings:
        query |= Q(object_repr__icontains=s) | Q(change_message__icontains=s)
    if strings:
        LogEntry.objects.filter(query).update(object_repr="[erased]", change_message="")


def merge_customers(*, survivor: Customer, loser: Customer, actor: Any) -> Customer:
    """Merge a duplicate record into another: the union of their history ends on the survivor.

    Orders, contact points (same value: the survivor's is kept), interests, messages,
    occasions, topic opt-outs and campaign rows (`campaigns.services.merge_customer_data`) and
    timeline entries move to the survivor; empty profile fields are filled from the loser;
    the loser's login moves over when the survivor has none. The loser is marked merged into
    the survivor. Rows are locked in primary-key order so two merges cannot deadlock.
    """
    from rapport.campaigns.services import merge_customer_data
    from rapport.messaging.services import repoint_messages
    from rapport.orders.models import Order
    from rapport.risk.history import refresh as refresh_risk_history

    if survivor.pk == loser.pk:
        raise CustomerError("A record cannot be merged into itself.")
    with transaction.atomic():
        locked = {
            c.pk: c
            for c in Customer.objects.select_for_update()
            .filter(pk__in=[survivor.pk, loser.pk])
            .order_by("pk")
        }
        keep, drop = locked[survivor.pk], locked[loser.pk]
        for c in (keep, drop):
            if c.merged_into_id is not None or c.erased_at is not None:
                raise CustomerError(f"Record {c.public_id} is already merged or erased.")
        orders = Order.objects.filter(customer=drop).update(customer=keep)
        refresh_risk_history([keep.pk, drop.pk])
        existing = set(keep.contact_points.values_list("kind", "value"))
        moved_points = 0
        for point in drop.contact_points.all():
            if (point.kind, point.value) in existing:
                continue
            point.customer = keep
            point.is_primary = False
            point.save(update_fields=["customer", "is_primary", "updated_at"])
            moved_points += 1
        keep.interests.add(*drop.interests.all())
        filled = []
        for field in (
            "name",
            "email",
            "gender",
            "birthday",
            "birth_month",
            "occupation",
            "language",
            "country",
            "region",
            "city",
            "postal_code",
        ):
            if not getattr(keep, field) and getattr(drop, field):
                setattr(keep, field, getattr(drop, field))
                filled.append(field)
        if keep.user_id is None and drop.user_id is not None:
            keep.user_id, drop.user_id = drop.user_id, None
            drop.save(update_fields=["user"])
            filled.append("user")
        keep.save()
        messages = repoint_messages(source=drop, target=keep)
        campaign_data = merge_customer_data(source=drop, target=keep)
        entries = audit.repoint_customer(source=drop, target=keep, actor=actor)
        drop.merged_into = keep
        drop.merged_at = timezone.now()
        drop.save(update_fields=["merged_into", "merged_at", "updated_at"])
        audit.record(
            action="customer.merged",
            actor=actor,
            target=keep,
            customer=keep,
            summary=f"Record {drop.public_id} merged into this one",
            data={
                "loser": str(drop.public_id),
                "orders": orders,
                "contact_points": moved_points,
                "messages": messages,
                "campaign_data": campaign_data,
                "timeline_entries": entries,
                "filled": filled,
            },
        )
        return keep
