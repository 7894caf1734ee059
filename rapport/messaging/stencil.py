"""One mail rendered once for many recipients, with the personal parts filled in per person.

A campaign to 100,000 people renders the same subject, text and HTML 100,000 times; only a few
values differ (the greeting name, the unsubscribe links, personal product picks). A `Stencil`
renders the templates once per version and language with unique markers ("holes") in place of
those values, then `fill` puts each recipient's values in — escaped for HTML exactly as the
template's autoescaping would, as given for values that are already safe HTML — and adds the
link tracking and headers through the same `rendering.finish` as a full render.

Exactness is checked, not assumed:
- `make_stencil` renders a sample recipient both ways and keeps the stencil only when the two
  are byte-identical (a template that reads the customer, filters a personal value or puts a
  multi-line value where whitespace is trimmed fails this, and its mail is rendered in full);
- `fill` returns None — the caller then renders in full — for a value the simple replacement
  could render differently: a plain value that is empty or not on one line with single spaces
  (the subject is collapsed, the text stripped, `linebreaksbr` turns newlines into tags), or
  a value whose HTML safety differs from the stencil's.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

from rapport.customers.models import Customer
from rapport.messaging import rendering, tokens

# Private-use characters around a per-process random tag: no template filter or escaping
# touches them, and no real name or text contains them.
_TAG = secrets.token_hex(4)
UNSUBSCRIBE_HOLE = "unsubscribe_url"


def hole(name: str) -> str:
    """The marker that stands for the value `name` while a stencil is rendered."""
    return f"\ue000{_TAG}{name}\ue001"


@dataclass
class Stencil:
    subject: str
    text: str
    html: str
    language: str
    purpose: str
    holes: dict[str, bool]  # name → the value is safe HTML (put in as it is, never escaped)
    unsubscribe: rendering.TokenURL
    links: rendering.Links

    def fill(
        self, *, customer: Customer, values: Mapping[str, Any], public_id: Any, message_id: str
    ) -> rendering.Rendered | None:
        """The mail for one recipient, byte-identical to `rendering.render` with the same
        context; None when one of `values` cannot be filled in exactly (render in full then)."""
        if rendering.language_for(customer) != self.language or set(values) != set(self.holes):
            return None
        for name, safe in self.holes.items():
            value = values[name]
            if isinstance(value, SafeData) != safe or not isinstance(value, str):
                return None
            if not safe and (not value or value != " ".join(value.split())):
                return None
        unsubscribe_token = tokens.make(public_id, tokens.UNSUBSCRIBE_SALT)
        unsubscribe_url = self.unsubscribe(unsubscribe_token)
        subject, text, html = self.subject, self.text, self.html
        for name, value in (*values.items(), (UNSUBSCRIBE_HOLE, unsubscribe_url)):
            marker = hole(name)
            subject = subject.replace(marker, value)
            text = text.replace(marker, value)
            html = html.replace(marker, conditional_escape(value))
        return rendering.finish(
            subject=subject,
            text=text,
            html=html,
            customer=customer,
            public_id=public_id,
            message_id=message_id,
            purpose=self.purpose,
            unsubscribe_token=unsubscribe_token,
            unsubscribe_url=unsubscribe_url,
            language=self.language,
            links=self.links,
        )


def make_stencil(
    *,
    templates: rendering.Templates,
    context: dict[str, Any],
    holes: Mapping[str, bool],
    purpose: str,
    language: str,
    sample_customer: Customer,
    sample_context: dict[str, Any],
    sample_values: Mapping[str, Any],
) -> Stencil | None:
    """Render `templates` once in `language` with `context`, in which the personal values are
    `hole(name)` markers (`holes`: name → safe HTML?). Returns None when the stencil would not
    give exactly what a full render gives: checked with a sample recipient (`sample_customer`,
    whose full context is `sample_context` and whose personal values are `sample_values`)."""
    base = rendering.base_context(
        context=context, customer=None, purpose=purpose, unsubscribe_url=hole(UNSUBSCRIBE_HOLE)
    )
    subject, text, html = rendering.render_parts(templates, base, language)
    for name, safe in holes.items():
        marker = hole(name)
        # A multi-line (safe) value in the subject, or at an end of the text, would be collapsed
        # or trimmed by a full render.
        if safe and (marker in subject or text.startswith(marker) or text.endswith(marker + "\n")):
            return None
    stencil = Stencil(
        subject=subject,
        text=text,
        html=html,
        language=language,
        purpose=purpose,
        holes=dict(holes),
        unsubscribe=rendering.TokenURL(rendering.UNSUBSCRIBE_PATH),
        links=rendering.Links(),
    )
    public_id = "00000000-0000-4000-8000-000000000000"
    filled = stencil.fill(
        customer=sample_customer,
        values=sample_values,
        public_id=public_id,
        message_id="<stencil-check@localhost>",
    )
    full = rendering.render(
        template=templates.name,
        context=sample_context,
        customer=sample_customer,
        public_id=public_id,
        message_id="<stencil-check@localhost>",
        purpose=purpose,
        templates=templates,
    )
    return stencil if filled == full else None
