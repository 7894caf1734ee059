"""Reads of the workspace: the day's tasks of one employee, their team's load, notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from rapport.aftersales.models import ReturnRequest, ReturnStatus, ServiceTicket, TicketStatus
from rapport.chat.models import Room, RoomKind, RoomStatus
from rapport.chat.queries import waiting_chats
from rapport.orders.models import Order, OrderStatus
from rapport.payments.models import PaymentMethod
from rapport.workspace.models import Note, Team

SHOWN = 10  # items listed per kind; the count says how many there are
PAY_LATER = (PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.CREDIT_TERMS)
OPEN_TICKETS = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.AWAITING_PAYMENT)


def notes_to(user: Any) -> Q:
    """Notes in `user`'s inbox: addressed to them and not done, or naming them and not seen."""
    return Q(to_user=user, done_at__isnull=True) | Q(
        mentions__user=user, mentions__seen_at__isnull=True
    )


def inbox(user: Any) -> QuerySet[Note]:
    """Notes waiting for `user`, follow-ups due first, then the newest."""
    return (
        Note.objects.filter(notes_to(user))
        .distinct()
        .select_related("author", "customer", "order", "ticket")
        .order_by("due_at", "-created_at")
    )


def follow_ups(user: Any) -> QuerySet[Note]:
    """Follow-ups and callbacks `user` scheduled for themselves (a due time, nobody else)."""
    return (
        Note.objects.filter(author=user, to_user__isnull=True, due_at__isnull=False)
        .filter(done_at__isnull=True)
        .select_related("customer", "order", "ticket")
        .order_by("due_at")
    )


def notes_on(*, customer: Any = None, order: Any = None, ticket: Any = None) -> QuerySet[Note]:
    """Notes on one customer (including those on their orders and tickets), order or ticket."""
    if order is not None:
        notes = Note.objects.filter(order=order)
    elif ticket is not None:
        notes = Note.objects.filter(ticket=ticket)
    else:
        notes = Note.objects.filter(customer=customer)
    return notes.select_related("author", "to_user", "order", "ticket").order_by("-created_at")


def taken_note_ids(public_ids: list[Any]) -> set[Any]:
    """Which of these public ids notes have already (an offline client chooses its own)."""
    return set(Note.objects.filter(public_id__in=public_ids).values_list("public_id", flat=True))


@dataclass
class TaskGroup:
    key: str
    count: int
    items: list[Any] = field(default_factory=list)


def day_tasks(user: Any) -> list[TaskGroup]:
    """One employee's work for today, each kind with its count and the first few items.

    Orders to pack (paid, or placed with a pay-later mode) and to ship (oldest first: they
    wait longest), returns to review or to receive and inspect, open tickets assigned to them
    (VIP customers first, then oldest), notes and follow-ups for them (due first), customer
    chats waiting for them, quotes of theirs the customer has answered.
    """
    # Paid orders, and cash-on-delivery / credit-terms ones, which are packed before payment.
    to_pack = Order.objects.filter(
        Q(status=OrderStatus.PAID) | Q(status=OrderStatus.PLACED, payment_method__in=PAY_LATER)
    ).order_by("placed_at", "id")
    to_ship = Order.objects.filter(status=OrderStatus.PACKED).order_by("placed_at", "id")
    returns = ReturnRequest.objects.filter(
        status__in=[ReturnStatus.REQUESTED, ReturnStatus.APPROVED]
    ).order_by("created_at", "id")
    tickets = (
        ServiceTicket.objects.filter(assignee=user, status__in=OPEN_TICKETS)
        .select_related("customer")
        .order_by("-customer__is_vip", "created_at", "id")
    )
    unassigned = ServiceTicket.objects.filter(assignee__isnull=True, status=TicketStatus.OPEN)
    notes = inbox(user)
    mine = follow_ups(user)
    chats = waiting_chats(user).select_related("customer")
    from rapport.quotes.queries import awaiting_staff

    quotes = awaiting_staff(user)
    groups = [
        ("pack", to_pack.select_related("customer")),
        ("ship", to_ship.select_related("customer")),
        ("returns", returns.select_related("customer")),
        ("tickets", tickets),
        ("unassigned_tickets", unassigned.select_related("customer").order_by("created_at")),
        ("notes", notes),
        ("follow_ups", mine),
        ("chats", chats),
        ("quotes", quotes),
    ]
    return [TaskGroup(key, qs.count(), list(qs[:SHOWN])) for key, qs in groups]


def task_counts(user: Any) -> dict[str, int]:
    return {group.key: group.count for group in day_tasks(user)}


@dataclass
class Load:
    user: Any
    tickets: int
    chats: int
    notes: int


def team_load(manager: Any) -> list[tuple[Team, list[Load]]]:
    """For each team the manager belongs to: each member's open tickets, open customer chats
    and open notes addressed to them."""
    teams = list(Team.objects.filter(members=manager).prefetch_related("members"))
    member_ids = {m.pk for team in teams for m in team.members.all()}
    tickets = dict(
        ServiceTicket.objects.filter(assignee_id__in=member_ids, status__in=OPEN_TICKETS)
        .values_list("assignee_id")
        .annotate(n=Count("id"))
    )
    chats = dict(
        Room.objects.filter(
            kind=RoomKind.CUSTOMER, assignee_id__in=member_ids, status=RoomStatus.OPEN
        )
        .values_list("assignee_id")
        .annotate(n=Count("id"))
    )
    notes = dict(
        Note.objects.filter(to_user_id__in=member_ids, done_at__isnull=True)
        .values_list("to_user_id")
        .annotate(n=Count("id"))
    )
    return [
        (
            team,
            [
                Load(m, tickets.get(m.pk, 0), chats.get(m.pk, 0), notes.get(m.pk, 0))
                for m in sorted(team.members.all(), key=str)
            ],
        )
        for team in teams
    ]
