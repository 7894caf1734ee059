"""The employee's workspace: teams (who works with whom) and notes between colleagues."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel


class Team(PublicIdModel, TimeStampedModel):
    """A group of employees: it gets a private chat room, and its managers see its load."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Note(PublicIdModel, TimeStampedModel):
    """A note from a colleague: on a customer, an order or a ticket, or to a colleague.

    `due_at` makes it a follow-up (a callback, a reminder) in the day's tasks of the person it
    is addressed to (or of its author when addressed to nobody) until it is marked done.
    """

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("note"))
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    ticket = models.ForeignKey(
        "aftersales.ServiceTicket",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notes_received",
    )
    due_at = models.DateTimeField(_("follow up at"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["to_user", "done_at"]),
            # Offline sync pulls changes in (updated_at, id) order (`rapport.sync`).
            models.Index(fields=["updated_at", "id"], name="note_sync"),
        ]

    def __str__(self) -> str:
        return f"Note {self.public_id}"


class NoteMention(models.Model):
    """A colleague named with @ in a note: they are told, and see it in their day's tasks."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="note_mentions"
    )
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["note", "user"], name="workspace_mention_once")
        ]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.note_id}"


class ReportFileKind(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "XLSX"
    DOCX = "docx", "DOCX"


class ReportFile(PublicIdModel, TimeStampedModel):
    """A personal report an employee uploaded (PDF, XLSX or DOCX, recognised by its content).

    Stored outside the public media folder (`RAPPORT_PRIVATE_ROOT`); only its owner and managers
    download it, always as an attachment.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_files"
    )
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(max_length=4, choices=ReportFileKind.choices)
    # Relative to RAPPORT_PRIVATE_ROOT; named by the service, never by the uploader.
    path = models.CharField(max_length=200, unique=True)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title}.{self.kind}"
