"""What the offline sync has applied: one row per operation a client pushed.

The row is written in the same transaction as the operation's effect, and `op_id` is unique,
so an operation is applied exactly once however often (or however concurrently) it is pushed;
a repeat gets the stored `result` back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class OperationStatus(models.TextChoices):
    APPLIED = "applied"
    CONFLICT = "conflict"
    REJECTED = "rejected"


class AppliedOperation(models.Model):
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sync_operations"
    )
    # Client-generated; unique over everyone, so another person's reuse of an id is refused.
    op_id = models.UUIDField(unique=True)
    kind = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=OperationStatus.choices)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.op_id} ({self.status})"
