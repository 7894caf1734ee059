"""Render a template into subject, text, HTML and headers in the customer's language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from rapport.customers.models import Customer, Purpose
from rapport.messaging import tokens

HREF = re.compile(r'href="(https?://[^"]+)"')


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    headers: dict[str, str]
    language: str


class UnknownTemplate(LookupError):
    pass


def language_for(customer: Customer) -> str:
    languages = dict(settings.LANGUAGES)
    return customer.language if customer.language in languages else settings.LANGUAGE_CODE


def absolute(path: str) -> str:
    return f"{settings.RAPPORT_SITE_URL}{path}"


def check_template(name: str) -> None:
    try:
        get_template(f"messaging/email/{name}/subject.txt")
    except TemplateDoesNotExist as exc:
        raise UnknownTemplate(name) from exc


def render(
    *,
    template: str,
    context: dict[str, Any],
    customer: Customer,
    public_id: Any,
    message_id: str,
    purpose: str,
) -> Rendered:
    """Render `messaging/email/<template>/{subject.txt,body.txt,body.html}`.

    Non-transactional mail gets the RFC 8058 one-click unsubscribe headers and a footer link.
    When the customer allows tracking, HTML links go through the signed click redirect and an
    open pixel is added; otherwise links stay as written and there is no pixel.
    """
    check_template(template)
    language = language_for(customer)
    unsubscribe_token = tokens.make(public_id, tokens.UNSUBSCRIBE_SALT)
    unsubscribe_url = absolute(reverse("storefront:unsubscribe", args=[unsubscribe_token]))
    base = {
        **context,
        "customer": customer,
        "site_name": settings.RAPPORT_SITE_NAME,
        "site_url": settings.RAPPORT_SITE_URL,
        "marketing": purpose != Purpose.TRANSACTIONAL,
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": absolute(reverse("storefront:preferences")),
    }
    with translation.override(language):
        folder = f"messaging/email/{template}"
        subject = " ".join(render_to_string(f"{folder}/subject.txt", base).split())
        text = render_to_string(f"{folder}/body.txt", base).strip() + "\n"
        html: str
        try:
            html = render_to_string(f"{folder}/body.html", base)
        except TemplateDoesNotExist:
            html = ""
    if html and customer.allow_tracking:
        html = HREF.sub(
            lambda m: 'href="{}"'.format(
                escape(
                    absolute(
                        reverse(
                            "storefront:mail_click",
                            args=[tokens.make_click(public_id, _unescape(m.group(1)))],
                        )
                    )
                )
            ),
            html,
        )
        pixel = absolute(
            reverse("storefront:mail_open", args=[tokens.make(public_id, tokens.OPEN_SALT)])
        )
        tag = f'<img src="{escape(pixel)}" width="1" height="1" alt="" style="display:none">'
        html = html.replace("</body>", f"{tag}</body>") if "</body>" in html else html + tag
    headers = {"Message-ID": message_id, "From": settings.DEFAULT_FROM_EMAIL}
    if purpose != Purpose.TRANSACTIONAL:
        subject_line = quote("unsubscribe " + unsubscribe_token)
        mailto = f"mailto:{settings.RAPPORT_UNSUBSCRIBE_MAILTO}?subject={subject_line}"
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>, <{mailto}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return Rendered(subject=subject[:300], text=text, html=html, headers=headers, language=language)


def _unescape(url: str) -> str:
    return url.replace("&amp;", "&")
