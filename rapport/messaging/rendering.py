"""Render a template into subject, text, HTML and headers in the customer's language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from rapport.core.paths import PathPattern
from rapport.customers.models import Customer, Purpose
from rapport.messaging import tokens

HREF = re.compile(r'href="(https?://[^"]+)"')
# What signed tokens are made of (base64url, the signer's ":" and a compressed payload's
# leading "."): a path needs no escaping for them, so a reversed pattern can be filled in.
PLAIN_TOKEN = re.compile(r"[A-Za-z0-9_.:-]+")
PATH_SAMPLE = "t0kenSample"  # stands for the token while a pattern is reversed
# Reversed once per process, not ~11 times a message (a `reverse()` costs ~20 µs).
UNSUBSCRIBE_PATH = PathPattern("storefront:unsubscribe", token=PATH_SAMPLE)
OPEN_PATH = PathPattern("storefront:mail_open", token=PATH_SAMPLE)
CLICK_PATH = PathPattern("storefront:mail_click", token=PATH_SAMPLE)
PREFERENCES_PATH = PathPattern("storefront:preferences")


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


def token_url(pattern: PathPattern, token: str) -> str:
    """The absolute URL of `pattern` for a signed token; `reverse()` for anything unusual."""
    return TokenURL(pattern)(token)


class TokenURL:
    """Absolute URLs of one token-taking pattern: the text around the token is looked up once,
    then each token is put in between (only tokens that need no escaping in a path; anything
    else goes through `reverse()`)."""

    def __init__(self, pattern: PathPattern) -> None:
        self.pattern = pattern
        head, _, self.tail = pattern(token=PATH_SAMPLE).partition(PATH_SAMPLE)
        self.head = absolute(head)

    def __call__(self, token: str) -> str:
        if PLAIN_TOKEN.fullmatch(token):
            return f"{self.head}{token}{self.tail}"
        return absolute(reverse(self.pattern.viewname, kwargs={"token": token}))


@dataclass(frozen=True)
class Templates:
    """The compiled subject, text and (optional) HTML templates of one mail template."""

    name: str
    subject: Any
    text: Any
    html: Any | None


def load_templates(name: str) -> Templates:
    """The templates of `messaging/email/<name>/`; raises UnknownTemplate when there are none.
    A batch loads them once instead of once a message."""
    folder = f"messaging/email/{name}"
    try:
        subject = get_template(f"{folder}/subject.txt", using="text")
    except TemplateDoesNotExist as exc:
        raise UnknownTemplate(name) from exc
    text = get_template(f"{folder}/body.txt", using="text")
    try:
        html = get_template(f"{folder}/body.html")
    except TemplateDoesNotExist:
        html = None
    return Templates(name=name, subject=subject, text=text, html=html)


def check_template(name: str) -> None:
    load_templates(name)


def render(
    *,
    template: str,
    context: dict[str, Any],
    customer: Customer,
    public_id: Any,
    message_id: str,
    purpose: str,
    templates: Templates | None = None,
) -> Rendered:
    """Render `messaging/email/<template>/{subject.txt,body.txt,body.html}` (`templates`: the
    same, already loaded with `load_templates`).

    Non-transactional mail gets the RFC 8058 one-click unsubscribe headers and a footer link.
    When the customer allows tracking, HTML links go through the signed click redirect and an
    open pixel is added; otherwise links stay as written and there is no pixel.
    """
    if templates is None or templates.name != template:
        templates = load_templates(template)
    language = language_for(customer)
    unsubscribe_token = tokens.make(public_id, tokens.UNSUBSCRIBE_SALT)
    unsubscribe_url = token_url(UNSUBSCRIBE_PATH, unsubscribe_token)
    base = base_context(
        context=context, customer=customer, purpose=purpose, unsubscribe_url=unsubscribe_url
    )
    subject, text, html = render_parts(templates, base, language)
    return finish(
        subject=subject,
        text=text,
        html=html,
        customer=customer,
        public_id=public_id,
        message_id=message_id,
        purpose=purpose,
        unsubscribe_token=unsubscribe_token,
        unsubscribe_url=unsubscribe_url,
        language=language,
        links=Links(),
    )


def base_context(
    *, context: dict[str, Any], customer: Customer | None, purpose: str, unsubscribe_url: str
) -> dict[str, Any]:
    """What every mail template sees besides the caller's context."""
    return {
        **context,
        "customer": customer,
        "site_name": settings.RAPPORT_SITE_NAME,
        "site_url": settings.RAPPORT_SITE_URL,
        "marketing": purpose != Purpose.TRANSACTIONAL,
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": absolute(PREFERENCES_PATH()),
    }


def render_parts(templates: Templates, base: dict[str, Any], language: str) -> tuple[str, str, str]:
    """Subject (on one line), text and HTML (before link tracking) in `language`."""
    with translation.override(language):
        subject = " ".join(templates.subject.render(base).split())
        text = templates.text.render(base).strip() + "\n"
        html: str = templates.html.render(base) if templates.html is not None else ""
    return subject, text, html


class Links:
    """The click and open URLs of tracked mail (looked up once for all the mail made with it)."""

    def __init__(self) -> None:
        self.click = TokenURL(CLICK_PATH)
        self.open = TokenURL(OPEN_PATH)


def finish(
    *,
    subject: str,
    text: str,
    html: str,
    customer: Customer,
    public_id: Any,
    message_id: str,
    purpose: str,
    unsubscribe_token: str,
    unsubscribe_url: str,
    language: str,
    links: Links,
) -> Rendered:
    """Tracked links and the open pixel (when the customer allows tracking), and the headers."""
    if html and customer.allow_tracking:

        def tracked(match: re.Match[str]) -> str:
            token = tokens.make_click(public_id, _unescape(match.group(1)))
            return f'href="{escape(links.click(token))}"'

        html = HREF.sub(tracked, html)
        pixel = links.open(tokens.make(public_id, tokens.OPEN_SALT))
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
