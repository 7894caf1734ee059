"""Account mail (verification, password reset, email change, staff enrolment, notices) through
the messaging outbox, rendered when it is sent (`messaging.send_time`).

The outbox row holds the template name, the account's primary key, the kind of link and the
site's base URL — never the link: tokens are made at send time, so a stored row leaks nothing,
and an SMTP outage delays the mail (the outbox retries) instead of losing it. Account mail is
transactional: no marketing consent, no contact budget, no quiet hours, no tracking.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from rapport.messaging import send_time

KIND = "account"
LINKS = ("", "verify", "reset", "change", "enrol", "help")


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    """A link for a mail: from the request when there is one, else from RAPPORT_SITE_URL."""
    return _base(request) + path


def _base(request: HttpRequest | None) -> str:
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return str(settings.RAPPORT_SITE_URL).rstrip("/")


def queue_account_mail(
    *,
    to: str,
    template: str,
    user: Any = None,
    link: str = "",
    request: HttpRequest | None = None,
    new_email: str = "",
) -> None:
    """Put `accounts/email/<template>{_subject.txt,.txt,.html}` to `to` in the outbox, sent
    after commit. `link` names the link built at send time for `user`: "verify", "reset",
    "change" (to `new_email`), "enrol", or "help" (login and reset pages)."""
    from rapport.customers.models import Customer
    from rapport.messaging.services import queue_send_time_message

    if link not in LINKS:
        raise ValueError(f"Unknown account-mail link {link!r}")
    customer = None
    if user is not None and not user.is_staff:
        customer = Customer.objects.filter(user=user).first()
    queue_send_time_message(
        to=to,
        spec={
            "kind": KIND,
            "template": template,
            "user_id": user.pk if user is not None else None,
            "link": link,
            "new_email": new_email,
            "base": _base(request),
        },
        label=f"Account mail: {template}",
        customer=customer,
    )


def _link(spec: dict[str, Any], user: Any) -> dict[str, str]:
    from rapport.accounts import tokens

    base, link = str(spec["base"]), spec.get("link", "")
    if link == "verify":
        return {
            "url": base + reverse("storefront:verify_email", args=[tokens.make_verify_token(user)])
        }
    if link == "change":
        token = tokens.make_change_token(user, str(spec["new_email"]))
        return {"url": base + reverse("storefront:email_change_confirm", args=[token])}
    if link in ("reset", "enrol"):
        name = "storefront:password_reset_confirm" if link == "reset" else "portal:enrol"
        kwargs = {
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        }
        return {"url": base + reverse(name, kwargs=kwargs)}
    if link == "help":
        return {
            "login_url": base + reverse("storefront:login"),
            "reset_url": base + reverse("storefront:password_reset"),
        }
    return {}


def render_account_mail(spec: dict[str, Any], language: str) -> send_time.SendTimeMail:
    """The send-time renderer: fresh links, the reader's language."""
    from rapport.accounts.models import User

    user = User.objects.filter(pk=spec["user_id"]).first() if spec.get("user_id") else None
    if spec.get("user_id") and user is None:
        raise LookupError("The account of this mail no longer exists.")
    ctx = {
        "site_name": settings.RAPPORT_SITE_NAME,
        "user": user,
        "new_email": spec.get("new_email", ""),
        **_link(spec, user),
    }
    template = str(spec["template"])
    with translation.override(language):
        subject = render_to_string(f"accounts/email/{template}_subject.txt", ctx, using="text")
        text = render_to_string(f"accounts/email/{template}.txt", ctx, using="text")
        html = render_to_string(f"accounts/email/{template}.html", ctx)
    return send_time.SendTimeMail(subject=" ".join(subject.split()), text=text, html=html)
