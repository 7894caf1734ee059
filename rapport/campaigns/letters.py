"""What a campaign mail says, and writing it for 100,000 people without rendering it 100,000 times.

`CampaignContent` is the template context of one recipient: their version's subject and text
(with `{name}` replaced by their name), the campaign's products in stock (rendered once), then
personal picks when the campaign adds them. `Letters` turns that into each recipient's mail:
the templates are rendered once per version and language as a `messaging.stencil.Stencil`
with the name, the topic-unsubscribe link and (with personal picks) the product list as holes,
and each recipient's values are filled in — byte-identical to a full render, which is still
what a recipient gets whenever the stencil cannot guarantee that (see `messaging.stencil`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from rapport.campaigns.models import Campaign, Variant
from rapport.campaigns.sending import TOPIC_UNSUBSCRIBE_PATH, product_block, topic_token
from rapport.catalog.models import Product
from rapport.customers.models import Customer
from rapport.messaging import rendering
from rapport.messaging.stencil import Stencil, hole, make_stencil
from rapport.recommendations.queries import for_returning_customer

# Writes one recipient's mail: (fresh customer row, message public id, Message-ID, purpose).
Letter = Callable[[Customer, Any, str, str], rendering.Rendered]
PERSONAL_PICKS = 4


def rendered_products(products: list[dict[str, str]]) -> dict[str, str]:
    """The product list as HTML and text (it reads the same in every language)."""
    context = {"products": products}
    return {
        "products_html": render_to_string("campaigns/_mail_products.html", context),
        "products_text": render_to_string("campaigns/_mail_products.txt", context, using="text"),
    }


class CampaignContent:
    """The template context of a campaign's recipients; the campaign's own product list is
    rendered once for everybody who gets just those products."""

    def __init__(self, campaign: Campaign, fixed: Sequence[Product]) -> None:
        self.campaign = campaign
        self.fixed = list(fixed)
        self.block = product_block(self.fixed)
        self.shared = rendered_products(self.block)

    def name(self, customer: Customer) -> str:
        return customer.name or _("there")

    def picks(self, customer: Customer) -> list[dict[str, str]] | None:
        """The product list with this customer's personal picks added; None when it is just
        the campaign's (no picks asked for, room for none, or none found)."""
        if not self.campaign.personal_products or len(self.fixed) >= PERSONAL_PICKS:
            return None
        taken = {p.pk for p in self.fixed}
        extra = [
            s.product
            for s in for_returning_customer(customer, limit=PERSONAL_PICKS)
            if s.product.pk not in taken
        ]
        if not extra:
            return None
        return self.block + product_block(extra[: PERSONAL_PICKS - len(self.fixed)])

    def context(
        self,
        variant: Variant | None,
        *,
        name: str,
        products: list[dict[str, str]] | None,
        rendered: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The context for `name` with `products` (None: the campaign's own list);
        `rendered`: that list as HTML and text, when already at hand."""
        if products is None:
            products, rendered = self.block, self.shared
        return {
            "subject": (variant.subject if variant else self.campaign.name).replace("{name}", name),
            "body": (variant.body if variant else "").replace("{name}", name),
            "products": products,
            **(rendered or rendered_products(products)),
        }

    def build(self, customer: Customer, variant: Variant | None) -> dict[str, Any]:
        """One recipient's whole context."""
        return self.context(variant, name=self.name(customer), products=self.picks(customer))


class Letters:
    """Each recipient's campaign mail, from one stencil per version, language and kind of
    product list (the campaign's own or personal picks). Kept for a whole send."""

    def __init__(self, campaign: Campaign, content: CampaignContent, template: str) -> None:
        self.campaign = campaign
        self.content = content
        self.templates = rendering.load_templates(template)
        self.topic_url = rendering.TokenURL(TOPIC_UNSUBSCRIBE_PATH)
        self.topic_label = str(campaign.get_topic_display())
        self._stencils: dict[tuple[int | None, str, str, bool], Stencil | None] = {}

    def _extras(self, topic_url: str) -> dict[str, str]:
        return {"topic_unsubscribe_url": topic_url, "topic_label": self.topic_label}

    def letter(self, customer: Customer, variant: Variant | None) -> Letter:
        """How to write `customer`'s mail once the outbox has given it an id."""
        name = self.content.name(customer)
        picks = self.content.picks(customer)
        topic_url = self.topic_url(topic_token(customer, self.campaign))
        values: dict[str, str] = {"name": name, "topic_unsubscribe_url": topic_url}
        rendered = None
        if picks is not None:
            rendered = rendered_products(picks)
            values.update(rendered)

        def write(
            row: Customer, public_id: Any, message_id: str, purpose: str
        ) -> rendering.Rendered:
            language = rendering.language_for(row)
            stencil = self.stencil_for(variant, language, purpose, personal=picks is not None)
            filled = None
            if stencil is not None:
                filled = stencil.fill(
                    customer=row, values=values, public_id=public_id, message_id=message_id
                )
            if filled is not None:
                return filled
            context = self.content.context(variant, name=name, products=picks, rendered=rendered)
            return rendering.render(
                template=self.templates.name,
                context={**context, **self._extras(topic_url)},
                customer=row,
                public_id=public_id,
                message_id=message_id,
                purpose=purpose,
                templates=self.templates,
            )

        return write

    def stencil_for(
        self, variant: Variant | None, language: str, purpose: str, *, personal: bool
    ) -> Stencil | None:
        """The stencil of one version, language, purpose and kind of product list (made on
        first use); None when that mail must be rendered in full."""
        key = (variant.pk if variant else None, language, purpose, personal)
        if key not in self._stencils:
            self._stencils[key] = self._make_stencil(variant, language, purpose, personal)
        return self._stencils[key]

    def _make_stencil(
        self, variant: Variant | None, language: str, purpose: str, personal: bool
    ) -> Stencil | None:
        holes = {"name": False, "topic_unsubscribe_url": False}
        products, rendered = None, None
        sample_products, sample_rendered = None, None
        if personal:
            holes |= {"products_html": True, "products_text": True}
            products = self.content.block
            rendered = {
                "products_html": SafeString(hole("products_html")),
                "products_text": hole("products_text"),
            }
            sample_products = [
                *self.content.block,
                {"name": "Kite & <string>", "price": "2.50", "url": "https://example.com/?a=1&b=2"},
            ]
            sample_rendered = rendered_products(sample_products)
        context = self.content.context(
            variant, name=hole("name"), products=products, rendered=rendered
        )
        sample = Customer(name='Ann & <Bo> "Li" O\'Neil', language=language, allow_tracking=True)
        sample_values = {"name": self.content.name(sample), "topic_unsubscribe_url": "t0k:en"}
        sample_values |= sample_rendered or {}
        sample_context = self.content.context(
            variant, name=sample_values["name"], products=sample_products, rendered=sample_rendered
        )
        return make_stencil(
            templates=self.templates,
            context={**context, **self._extras(hole("topic_unsubscribe_url"))},
            holes=holes,
            purpose=purpose,
            language=language,
            sample_customer=sample,
            sample_context={**sample_context, **self._extras("t0k:en")},
            sample_values=sample_values,
        )
