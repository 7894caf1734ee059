"""Writes of the workspace: notes between colleagues (with @mentions) and teams."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.roles import is_employee
from rapport.chat import live
from rapport.core import audit
from rapport.workspace.models import Note, NoteMention, Team

MAX_NOTE_LENGTH = 5000
MENTION = re.compile(r"(?<![\w.])@([\w][\w.+-]*)")


class WorkspaceError(Exception):
    """A workspace action that cannot be done; the message is fit to show to the person."""


def mentioned_users(body: str) -> list[Any]:
    """Staff named in `body` as @name: the part of their email before @, or their first name
    when only one active colleague has it. Unknown or ambiguous names are left as text."""
    from rapport.chat.queries import staff_users

    found: dict[int, Any] = {}
    for token in {m.group(1).rstrip(".").lower() for m in MENTION.finditer(body)}:
        by_email = list(staff_users().filter(email__istartswith=f"{token}@"))
        matches = by_email or list(staff_users().filter(first_name__iexact=token))
        if len(matches) == 1:
            found[matches[0].pk] = matches[0]
    return list(found.values())


def add_note(
    *,
    actor: Any,
    body: str,
    customer: Any = None,
    order: Any = None,
    ticket: Any = None,
    to_user: Any = None,
    due_at: datetime | None = None,
    public_id: Any = None,
) -> Note:
    """Write a note on a customer, an order or a ticket, and/or to a colleague.

    A note on an order or a ticket also belongs to its customer, and every note about a
    customer lands on their timeline (staff-only: customers never see the timeline; see
    docs/chat-and-workspace.md for the data export). Colleagues named with @ and the addressee
    are told live and find it in their day's tasks. Raises WorkspaceError for an empty note,
    one about nothing and addressed to nobody, or an addressee who is not staff; nothing is
    written then. `public_id` is the id an offline client chose for the note (`rapport.sync`).
    (A `NoteBatch` of one note.)
    """
    with transaction.atomic():
        batch = NoteBatch(actor)
        note = batch.add(
            body=body,
            customer=customer,
            order=order,
            ticket=ticket,
            to_user=to_user,
            due_at=due_at,
            public_id=public_id,
        )
        batch.write()
        return note


class NoteBatch:
    """Several `add_note`s by one actor, written together (the offline sync pushes hundreds).

    `add` checks a note exactly as `add_note` does and raises WorkspaceError the same way,
    leaving the batch as it was; `write` inserts the notes, their mentions and one audit entry
    each (in order) with a few statements and tells the people named after commit. Use inside
    `transaction.atomic`; `write` raises IntegrityError when a note's `public_id` is taken.
    """

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self._notes: list[tuple[Note, list[Any], Any]] = []

    def add(
        self,
        *,
        body: str,
        customer: Any = None,
        order: Any = None,
        ticket: Any = None,
        to_user: Any = None,
        due_at: datetime | None = None,
        public_id: Any = None,
    ) -> Note:
        """`add_note`, kept for `write`: the note as it will be (no pk yet)."""
        body = (body or "").strip()
        if not body:
            raise WorkspaceError(_("Write the note first."))
        if len(body) > MAX_NOTE_LENGTH:
            raise WorkspaceError(
                _("A note can be at most %(n)s characters.") % {"n": MAX_NOTE_LENGTH}
            )
        if to_user is not None and not is_employee(to_user):
            raise WorkspaceError(_("Notes go to colleagues only."))
        if order is not None:
            customer = order.customer
        if ticket is not None:
            customer = ticket.customer
        if not any(x is not None for x in (customer, order, ticket, to_user)):
            raise WorkspaceError(_("Choose what the note is about or whom it is for."))
        note = Note(
            **({"public_id": public_id} if public_id is not None else {}),
            author=self.actor,
            body=body,
            customer=customer,
            order=order,
            ticket=ticket,
            to_user=to_user,
            due_at=due_at,
        )
        mentioned = [u for u in mentioned_users(body) if u.pk != self.actor.pk]
        self._notes.append((note, mentioned, timezone.now()))
        return note

    def write(self) -> None:
        actor = self.actor
        Note.objects.bulk_create([note for note, _mentioned, _at in self._notes])
        NoteMention.objects.bulk_create(
            [NoteMention(note=n, user=u) for n, mentioned, _at in self._notes for u in mentioned]
        )
        entries = []
        for note, mentioned, at in self._notes:
            about = note.order or note.ticket or note.customer
            entries.append(
                {
                    "action": "note.added",
                    "actor": actor,
                    "target": note,
                    "customer": note.customer,
                    "summary": (f"Note on {about}: " if about is not None else "Note: ")
                    + note.body[:300],
                    "data": {
                        "note": str(note.public_id),
                        "to": note.to_user_id,
                        "mentions": [u.pk for u in mentioned],
                    },
                    "at": at,  # when it was added: a batch's entries keep their order
                }
            )
            told = {*(u.pk for u in mentioned), *([note.to_user_id] if note.to_user_id else [])}
            for user in told:
                live.publish(live.user_group(user), {"type": "tasks"})
        audit.record_many(entries)
        self._notes = []


def complete_note(*, note: Note, actor: Any) -> Note:
    """The addressee (or the author of a note to nobody) marks it done; a colleague who was
    only mentioned marks it seen. Raises WorkspaceError for anyone else."""
    with transaction.atomic():
        locked = Note.objects.select_for_update().get(pk=note.pk)
        owner = locked.to_user_id or locked.author_id
        seen = NoteMention.objects.filter(note=locked, user=actor, seen_at__isnull=True)
        if actor.pk == owner:
            if locked.done_at is None:
                locked.done_at = timezone.now()
                locked.save(update_fields=["done_at", "updated_at"])
        elif not seen.update(seen_at=timezone.now()):
            raise WorkspaceError(_("This note is not yours to mark done."))
        return locked


def create_team(*, name: str, actor: Any) -> Team:
    """Managers create a team (empty; members come next). Raises WorkspaceError for an empty
    or taken name."""
    name = (name or "").strip()[:120]
    if not name:
        raise WorkspaceError(_("Give the team a name."))
    with transaction.atomic():
        if Team.objects.filter(name__iexact=name).exists():
            raise WorkspaceError(_("A team with this name exists already."))
        team = Team.objects.create(name=name)
        audit.record(action="team.created", actor=actor, target=team, summary=f"Team {name}")
        return team


def set_team_members(*, team: Team, members: list[Any], actor: Any) -> Team:
    """Managers decide who is in a team (its room follows membership at once)."""
    if any(not is_employee(m) for m in members):
        raise WorkspaceError(_("Teams are made of staff."))
    with transaction.atomic():
        before = set(team.members.values_list("pk", flat=True))
        team.members.set(members)
        audit.record(
            action="team.members",
            actor=actor,
            target=team,
            summary=f"Team {team.name}: {len(members)} members",
            data={"before": sorted(before), "after": sorted(m.pk for m in members)},
        )
        return team
