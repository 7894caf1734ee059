"""Writes to the profile: registration, VIP, profile edits, progressive profiling, consent."""

from __future__ import annotations

import zoneinfo
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from rapport.core import audit
from rapport.customers.models import (
    Consent,
    ContactKind,
    ContactPoint,
    ContactStatus,
    Customer,
    Gender,
    Interest,
    Occupation,
    Purpose,
)
from rapport.customers.profiling import QUESTION_KEYS, QUESTION_NAMES, ProfilingError


class CustomerError(Exception):
    """A change to a customer record that cannot be made."""


def _lock(customer: Customer) -> Customer:
    return Customer.objects.select_for_update().get(pk=customer.pk)


def create_customer_for_user(*, user: Any, actor: Any = None, name: str = "") -> Customer:
    """The CRM record of a newly registered user (idempotent: returns the existing one).

    Also creates the email contact point with consent for transactional mail (orders, account).
    """
    with transaction.atomic():
        existing = Customer.objects.filter(user=user).first()
        if existing is not None:
            return existing
        customer = Customer.objects.create(
            user=user, email=user.email, name=name or user.get_full_name(), source="web"
        )
        if user.email:
            _ensure_contact_point(
                customer=customer, kind=ContactKind.EMAIL, value=user.email, source="registration"
            )
        audit.record(
            action="customer.registered",
            actor=actor or user,
            target=customer,
            customer=customer,
            summary="Customer account created",
        )
        return customer


def set_vip(*, customer: Customer, is_vip: bool, actor: Any, reason: str = "") -> Customer:
    """Managers mark a customer as VIP (or not). Audit-logged on the customer's timeline."""
    with transaction.atomic():
        locked = _lock(customer)
        if locked.is_vip == is_vip:
            return locked
        locked.is_vip = is_vip
        locked.save(update_fields=["is_vip", "updated_at"])
        audit.record(
            action="customer.vip_changed",
            actor=actor,
            target=locked,
            customer=locked,
            summary=("Marked VIP" if is_vip else "VIP status removed")
            + (f": {reason}" if reason else ""),
            data={"is_vip": is_vip},
        )
        return locked


def _normalise(kind: str, value: str) -> str:
    value = " ".join(value.split())
    return value.lower() if kind == ContactKind.EMAIL else value


def _ensure_contact_point(
    *, customer: Customer, kind: str, value: str, source: str
) -> ContactPoint:
    value = _normalise(kind, value)
    point, created = ContactPoint.objects.get_or_create(
        customer=customer,
        kind=kind,
        value=value,
        defaults={"is_primary": not customer.contact_points.filter(kind=kind).exists()},
    )
    if created:
        Consent.objects.create(
            contact_point=point,
            purpose=Purpose.TRANSACTIONAL,
            granted=True,
            changed_at=timezone.now(),
            source=source,
        )
    return point


def change_customer_email(*, customer: Customer, email: str, actor: Any) -> Customer:
    """Follow the login's verified email change on the CRM record.

    The new address becomes the primary, valid email contact point (it was just verified by the
    link); the old one stays on the record as a secondary contact. The accounts service that
    confirmed the change writes the audit entry (one per action).
    """
    cleaned = _normalise(ContactKind.EMAIL, email)
    with transaction.atomic():
        locked = _lock(customer)
        if locked.email != cleaned:
            locked.email = cleaned
            locked.save(update_fields=["email", "updated_at"])
        point = _ensure_contact_point(
            customer=locked, kind=ContactKind.EMAIL, value=cleaned, source="email_change"
        )
        locked.contact_points.filter(kind=ContactKind.EMAIL).exclude(pk=point.pk).update(
            is_primary=False
        )
        ContactPoint.objects.filter(pk=point.pk).update(is_primary=True, status=ContactStatus.VALID)
        return locked


def add_contact_point(
    *,
    customer: Customer,
    kind: str,
    value: str,
    actor: Any,
    source: str,
    marketing: bool = False,
    surveys: bool = False,
) -> ContactPoint:
    """Add an email, phone or postal address to the record (idempotent on the same value).

    Transactional consent is implied by giving us the contact; marketing and survey consent
    are recorded only when given. Raises CustomerError on an empty or ill-formed value.
    """
    cleaned = _clean_contact_value(kind, value)
    with transaction.atomic():
        locked = _lock(customer)
        point = _ensure_contact_point(customer=locked, kind=kind, value=cleaned, source=source)
        for purpose, granted in ((Purpose.MARKETING, marketing), (Purpose.SURVEYS, surveys)):
            if granted:
                _set_consent(point, purpose, True, source)
        _record_contact_added(point, customer=locked, actor=actor, source=source)
        return point


def _clean_contact_value(kind: str, value: str) -> str:
    """The normalised value; CustomerError on an unknown kind or an empty or ill-formed value."""
    if kind not in ContactKind.values:
        raise CustomerError(f"Unknown contact kind: {kind}")
    cleaned = _normalise(kind, value)
    if not cleaned:
        raise CustomerError("A contact point needs a value.")
    if kind == ContactKind.EMAIL:
        try:
            validate_email(cleaned)
        except ValidationError as exc:
            raise CustomerError(f"Not an email address: {cleaned}") from exc
    return cleaned


def _record_contact_added(
    point: ContactPoint, *, customer: Customer, actor: Any, source: str
) -> None:
    audit.record(
        action="contact.added",
        actor=actor,
        target=point,
        customer=customer,
        summary=f"{point.get_kind_display()} added",
        data={"kind": point.kind, "value": point.value, "source": source},
    )


def ensure_email_contact_point(
    *, customer: Customer, email: str, actor: Any, source: str
) -> ContactPoint | None:
    """Give a record that has no email contact point at all the address it just used.

    For records made before contact points existed or outside registration (e.g. the demo
    accounts): the email an order was placed with becomes the primary email contact point, with
    transactional consent implied as at registration. A record that already has an email
    contact point — even a failed or opted-out one — is left as it is: its preferences stand.
    Returns the point added (audit-logged on the timeline), or None. Meant to run inside the
    caller's transaction; it does not lock the record.
    """
    if customer.contact_points.filter(kind=ContactKind.EMAIL).exists():
        return None
    try:
        cleaned = _clean_contact_value(ContactKind.EMAIL, email or "")
    except CustomerError:
        return None
    point = _ensure_contact_point(
        customer=customer, kind=ContactKind.EMAIL, value=cleaned, source=source
    )
    _record_contact_added(point, customer=customer, actor=actor, source=source)
    return point


def _set_consent(point: ContactPoint, purpose: str, granted: bool, source: str) -> bool:
    """Store consent; True when it changed."""
    current = Consent.objects.filter(contact_point=point, purpose=purpose).first()
    if current is not None and current.granted == granted:
        return False
    Consent.objects.update_or_create(
        contact_point=point,
        purpose=purpose,
        defaults={"granted": granted, "changed_at": timezone.now(), "source": source},
    )
    return True


def set_consent(
    *, contact_point: ContactPoint, purpose: str, granted: bool, actor: Any, source: str
) -> bool:
    """Give or withdraw consent for one purpose on one contact point (when and how recorded).

    Returns whether anything changed; a change lands on the customer's timeline.
    """
    if purpose not in Purpose.values:
        raise CustomerError(f"Unknown purpose: {purpose}")
    with transaction.atomic():
        locked_customer = _lock(contact_point.customer)
        point = ContactPoint.objects.select_for_update().get(pk=contact_point.pk)
        changed = _set_consent(point, purpose, granted, source)
        if changed:
            audit.record(
                action="consent.granted" if granted else "consent.withdrawn",
                actor=actor,
                target=point,
                customer=locked_customer,
                summary=f"{Purpose(purpose).label}: {'yes' if granted else 'no'} ({source})",
                data={"purpose": purpose, "granted": granted, "source": source},
            )
        return changed


def set_tracking_allowed(*, customer: Customer, allowed: bool, actor: Any) -> Customer:
    """Let the customer refuse open/click tracking (then mail has no pixel and plain links)."""
    with transaction.atomic():
        locked = _lock(customer)
        if locked.allow_tracking != allowed:
            locked.allow_tracking = allowed
            locked.save(update_fields=["allow_tracking", "updated_at"])
            audit.record(
                action="profile.tracking_changed",
                actor=actor,
                target=locked,
                customer=locked,
                summary="Tracking allowed" if allowed else "Tracking refused",
                data={"allow_tracking": allowed},
            )
        return locked


PROFILE_FIELDS = ("name", "gender", "birthday", "occupation", "time_zone", "language")


def update_profile(*, customer: Customer, actor: Any, **changes: Any) -> Customer:
    """Change profile fields (name, gender, birthday, occupation, time_zone, language).

    Validates the time zone, language and gender; records which fields changed (not their
    old values) on the timeline. Raises CustomerError on bad input and changes nothing then.
    """
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise CustomerError(f"Not profile fields: {', '.join(sorted(unknown))}")
    if "time_zone" in changes:
        try:
            zoneinfo.ZoneInfo(changes["time_zone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise CustomerError(f"Unknown time zone: {changes['time_zone']}") from exc
    if changes.get("language") and changes["language"] not in dict(settings.LANGUAGES):
        raise CustomerError(f"Unsupported language: {changes['language']}")
    if changes.get("gender") and changes["gender"] not in Gender.values:
        raise CustomerError(f"Unknown gender choice: {changes['gender']}")
    birthday = changes.get("birthday")
    if birthday is not None and (not isinstance(birthday, date) or birthday > date.today()):
        raise CustomerError("A birthday must be a date in the past.")
    with transaction.atomic():
        locked = _lock(customer)
        changed = [f for f, v in changes.items() if getattr(locked, f) != v]
        if not changed:
            return locked
        for field in changed:
            setattr(locked, field, changes[field])
        if "birthday" in changed and locked.birthday is not None:
            locked.birth_month = locked.birthday.month
            changed.append("birth_month")
        locked.save(update_fields=[*changed, "updated_at"])
        audit.record(
            action="profile.changed",
            actor=actor,
            target=locked,
            customer=locked,
            summary="Profile updated: " + ", ".join(changed),
            data={"fields": changed},
        )
        return locked


def answer_profile_question(*, customer: Customer, question: str, value: str, actor: Any) -> None:
    """Store a one-click answer to a profiling question (occupation, interests, month, gender).

    Raises ProfilingError for an unknown question or choice; nothing is stored then.
    """
    if question not in QUESTION_KEYS:
        raise ProfilingError(f"Unknown question: {question}")
    with transaction.atomic():
        locked = _lock(customer)
        shown: str
        if question == "occupation":
            occupation = Occupation.objects.filter(slug=value, is_active=True).first()
            if occupation is None:
                raise ProfilingError(f"Unknown occupation: {value}")
            locked.occupation = occupation
            locked.save(update_fields=["occupation", "updated_at"])
            shown = occupation.name
        elif question == "interests":
            slugs = [v for v in value.split(",") if v]
            interests = list(Interest.objects.filter(slug__in=slugs, is_active=True))
            if not slugs or len(interests) != len(set(slugs)):
                raise ProfilingError(f"Unknown interest: {value}")
            locked.interests.add(*interests)
            shown = ", ".join(i.name for i in interests)
        elif question == "birth_month":
            if not value.isdigit() or not 1 <= int(value) <= 12:
                raise ProfilingError(f"Not a month: {value}")
            locked.birth_month = int(value)
            locked.save(update_fields=["birth_month", "updated_at"])
            shown = value
        else:
            if value not in Gender.values:
                raise ProfilingError(f"Unknown gender choice: {value}")
            locked.gender = value
            locked.save(update_fields=["gender", "updated_at"])
            shown = value
        audit.record(
            action="profile.answered",
            actor=actor,
            target=locked,
            customer=locked,
            summary=f"Answered “{QUESTION_NAMES[question]}”: {shown}",
            data={"question": question, "answer": value},
        )


def refuse_profile_question(*, customer: Customer, question: str, actor: Any) -> None:
    """The customer dismissed a question: it is never asked again (idempotent)."""
    if question not in QUESTION_KEYS:
        raise ProfilingError(f"Unknown question: {question}")
    with transaction.atomic():
        locked = _lock(customer)
        if question in locked.profiling_refused:
            return
        locked.profiling_refused = [*locked.profiling_refused, question]
        locked.save(update_fields=["profiling_refused", "updated_at"])
        audit.record(
            action="profile.question_refused",
            actor=actor,
            target=locked,
            customer=locked,
            summary=f"Declined to answer “{QUESTION_NAMES[question]}”",
            data={"question": question},
        )


CHOICE_MODELS: dict[str, type[Occupation] | type[Interest]] = {
    "occupation": Occupation,
    "interest": Interest,
}


def save_choice(
    *, kind: str, name: str, name_zh_hans: str = "", actor: Any, slug: str = ""
) -> Occupation | Interest:
    """Add an occupation or interest to the managed choice lists, or rename an existing one.

    `slug` names an existing entry to rename; without it a new entry is added (its slug made
    from the name). Raises CustomerError on an empty name or a clash with an existing slug.
    """
    from django.utils.text import slugify

    model = CHOICE_MODELS.get(kind)
    name = name.strip()
    if model is None or not name:
        raise CustomerError("Give the choice a name.")
    with transaction.atomic():
        if slug:
            choice = model.objects.select_for_update().filter(slug=slug).first()
            if choice is None:
                raise CustomerError(f"No such {kind}: {slug}")
        else:
            new_slug = slugify(name) or slugify(name_zh_hans, allow_unicode=True)
            if not new_slug or model.objects.filter(slug=new_slug).exists():
                raise CustomerError(f"That {kind} exists already.")
            position = model.objects.count()
            choice = model(slug=new_slug, position=position)
        choice.name = name
        choice.name_zh_hans = name_zh_hans.strip()
        choice.save()
        audit.record(
            action=f"choices.{kind}_saved",
            actor=actor,
            target=choice,
            summary=f"{kind.capitalize()} “{name}” saved",
        )
        return choice


def set_choice_active(*, kind: str, slug: str, active: bool, actor: Any) -> None:
    """Offer a choice in profiling questions again, or stop offering it (answers are kept)."""
    model = CHOICE_MODELS.get(kind)
    if model is None:
        raise CustomerError(f"Unknown choice list: {kind}")
    with transaction.atomic():
        choice = model.objects.select_for_update().filter(slug=slug).first()
        if choice is None:
            raise CustomerError(f"No such {kind}: {slug}")
        if choice.is_active == active:
            return
        choice.is_active = active
        choice.save(update_fields=["is_active"])
        audit.record(
            action=f"choices.{kind}_{'enabled' if active else 'disabled'}",
            actor=actor,
            target=choice,
            summary=f"{kind.capitalize()} “{choice.name}” "
            + ("offered again" if active else "retired"),
        )
