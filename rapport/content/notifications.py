"""Wagtail's moderation mails (a page submitted for review, a review task waiting, a page
approved or sent back) through the messaging outbox instead of straight to SMTP.

Wagtail sends them from notifier objects (`wagtail.admin.mail`) that `wagtail.admin` connects to
its workflow signals (`workflow_submitted`, `task_submitted`, `workflow_approved`,
`workflow_rejected`) under fixed `dispatch_uid`s. `connect()` puts our notifiers in their place
under the same uids: Wagtail's own choice of recipients (the editors of the review task, the
person who asked for the review, superusers; each person's notification preferences), but
instead of opening an SMTP connection each recipient gets one outbox message. The message is
rendered when it is sent, with Wagtail's own templates and translations, in the recipient's
admin language; an SMTP outage delays it (the outbox retries), never loses it, and it is sent
once. The outbox row holds only primary keys.

Wagtail's comment notifications are sent by its page-edit view directly
(`wagtail.admin.mail.send_notification`, no notifier to replace): page comments are switched
off (`WAGTAILADMIN_COMMENTS_ENABLED = False`), so no content mail bypasses the outbox.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.admin import mail as wagtail_mail
from wagtail.models import TaskState, WorkflowState
from wagtail.users.models import UserProfile

from rapport.messaging import send_time

KIND = "content.workflow"


class OutboxNotifierMixin:
    """Replaces `Notifier.__call__`'s send: one outbox message per valid recipient."""

    key = ""

    def spec_for(self, instance: Any) -> dict[str, Any]:
        return {"kind": KIND, "notifier": self.key, "state_id": instance.pk}

    def __call__(self, instance: Any = None, **kwargs: Any) -> bool:
        from rapport.messaging.services import queue_send_time_message

        if not self.can_handle(instance, **kwargs):  # type: ignore[attr-defined]
            return False
        recipients = self.get_valid_recipients(instance, **kwargs)  # type: ignore[attr-defined]
        actor = kwargs.get("user")
        title = _object_title(instance)
        for recipient in sorted(recipients, key=lambda u: u.pk):
            language = UserProfile.get_for_user(recipient).get_preferred_language()
            with translation.override(language):
                label = _("Content review (%(event)s): %(title)s") % {
                    "event": _event_label(self.key),
                    "title": title,
                }
            queue_send_time_message(
                to=recipient.email,
                spec={**self.spec_for(instance), "recipient_id": recipient.pk},
                label=label,
                language=language,
                actor=actor,
            )
        return True


class WorkflowSubmitted(OutboxNotifierMixin, wagtail_mail.WorkflowStateSubmissionEmailNotifier):
    key = "workflow_submitted"


class WorkflowApproved(OutboxNotifierMixin, wagtail_mail.WorkflowStateApprovalEmailNotifier):
    key = "workflow_approved"


class WorkflowRejected(OutboxNotifierMixin, wagtail_mail.WorkflowStateRejectionEmailNotifier):
    key = "workflow_rejected"

    def spec_for(self, instance: Any) -> dict[str, Any]:
        # The task that sent it back, as it was now: by send time the page may be resubmitted.
        return {**super().spec_for(instance), "task_state_id": instance.current_task_state_id}

    def get_context(self, workflow_state: Any, **kwargs: Any) -> dict[str, Any]:
        task_state_id = kwargs.get("task_state_id")
        if task_state_id is None:
            return super().get_context(workflow_state, **kwargs)
        context = wagtail_mail.BaseWorkflowStateEmailNotifier.get_context(
            self, workflow_state, **kwargs
        )
        task_state = TaskState.objects.get(pk=task_state_id).specific
        context.update(
            task=task_state.task, task_state=task_state, comment=task_state.get_comment()
        )
        return context


class TaskSubmitted(
    OutboxNotifierMixin, wagtail_mail.GroupApprovalTaskStateSubmissionEmailNotifier
):
    key = "task_submitted"


NOTIFIERS: dict[str, Any] = {
    n.key: n for n in (WorkflowSubmitted(), WorkflowApproved(), WorkflowRejected(), TaskSubmitted())
}
_STATE_MODEL = {
    "workflow_submitted": WorkflowState,
    "workflow_approved": WorkflowState,
    "workflow_rejected": WorkflowState,
    "task_submitted": TaskState,
}
# (signal name in wagtail.signals, sender, Wagtail's dispatch_uid, our notifier)
_RECEIVERS = (
    (
        "task_submitted",
        TaskState,
        "group_approval_task_submitted_email_notification",
        "task_submitted",
    ),
    (
        "workflow_submitted",
        WorkflowState,
        "workflow_state_submitted_email_notification",
        "workflow_submitted",
    ),
    (
        "workflow_rejected",
        WorkflowState,
        "workflow_state_rejected_email_notification",
        "workflow_rejected",
    ),
    (
        "workflow_approved",
        WorkflowState,
        "workflow_state_approved_email_notification",
        "workflow_approved",
    ),
)


def _event_label(key: str) -> str:
    return {
        "workflow_submitted": _("submitted"),
        "task_submitted": _("awaiting your review"),
        "workflow_approved": _("approved"),
        "workflow_rejected": _("changes requested"),
    }[key]


def _object_title(instance: Any) -> str:
    state = instance.workflow_state if isinstance(instance, TaskState) else instance
    return str(state.content_object)[:200]


def connect() -> None:
    """Our notifiers in the place of Wagtail's (same signals, senders and dispatch uids). Runs
    from ContentConfig.ready, before or after wagtail.admin's: a receiver already connected
    under a uid is removed first, and Wagtail's later connect under that uid is a no-op."""
    from wagtail import signals

    for signal_name, sender, uid, key in _RECEIVERS:
        signal = getattr(signals, signal_name)
        signal.disconnect(sender=sender, dispatch_uid=uid)
        signal.connect(NOTIFIERS[key], sender=sender, dispatch_uid=uid)
    send_time.register(KIND, render_workflow_mail)


def render_workflow_mail(spec: dict[str, Any], language: str) -> send_time.SendTimeMail:
    """Wagtail's templates for the notification, rendered for the recipient at send time."""
    notifier = NOTIFIERS[spec["notifier"]]
    instance = _STATE_MODEL[spec["notifier"]].objects.get(pk=spec["state_id"])
    recipient = get_user_model().objects.get(pk=spec["recipient_id"])
    extra = {"task_state_id": spec["task_state_id"]} if "task_state_id" in spec else {}
    context = notifier.get_context(instance, **extra)
    context["user"] = recipient
    templates = notifier.get_template_set(instance)
    with translation.override(language):
        subject = render_to_string(templates["subject"], context).strip()
        text = render_to_string(templates["text"], context).strip()
        html = (
            render_to_string(templates["html"], context)
            if getattr(settings, "WAGTAILADMIN_NOTIFICATION_USE_HTML", False)
            else ""
        )
    return send_time.SendTimeMail(subject=subject, text=text, html=html)
