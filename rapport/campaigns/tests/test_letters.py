"""Campaign mail from a stencil is byte-identical to rendering it in full, for every recipient."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.campaigns import letters as letters_module
from rapport.campaigns.letters import CampaignContent, Letters
from rapport.campaigns.models import AudienceKind, Campaign
from rapport.campaigns.sending import deliver_many
from rapport.campaigns.services import TEMPLATE, save_campaign
from rapport.catalog.tests.factories import ProductFactory
from rapport.customers.models import Customer, Purpose
from rapport.customers.tests.factories import contactable
from rapport.inventory.models import StockRecord
from rapport.messaging import rendering
from rapport.messaging.models import Message
from rapport.messaging.stencil import hole, make_stencil

pytestmark = pytest.mark.django_db

NAMES = [
    "Ann",
    "Li Wei",
    "王小明",
    "O'Brien & Sons <Ltd>",
    'Say "hi"',
    "Zoë 🎈",
    "",  # greeted as "there"
    " padded ",  # not on one line with single spaces: rendered in full
    "two  spaces",
    "line\nbreak",
    "tab\there",
]


def _campaign(products, *, personal: bool = False) -> Campaign:
    return save_campaign(
        actor=None,
        name="Spring & co",
        audience_kind=AudienceKind.LIST,
        audience_list="someone@example.com",
        variants=[
            ("Hello {name}, spring is here", "Dear {name},\n\nSpring & <kites> for {name}."),
            ("{name}", "{name}"),
        ],
        products=products,
        control_percent=0,
        personal_products=personal,
    )


def _products():
    products = [ProductFactory(name=f"Kite & string {i}") for i in range(2)]
    for product in products:
        StockRecord.objects.create(product=product, quantity=5)
    return products


class KnownPicks(CampaignContent):
    """Personal picks without an order history: every second customer gets one extra product."""

    def picks(self, customer: Customer) -> list[dict[str, str]] | None:
        if customer.pk % 2:
            return None
        extra = {
            "name": f"Pick <{customer.pk}> & co",
            "price": "3.10",
            "url": "https://x.test/?a&b",
        }
        return [*self.block, extra]


def _full_render(content, letters, customer, variant, public_id, message_id):
    """What every campaign mail was before stencils: the whole context, rendered in full."""
    context = content.build(customer, variant)
    context |= {
        "topic_unsubscribe_url": letters.topic_url(letters_module.topic_token(customer, None)),
        "topic_label": letters.topic_label,
    }
    return rendering.render(
        template=TEMPLATE,
        context=context,
        customer=customer,
        public_id=public_id,
        message_id=message_id,
        purpose=Purpose.MARKETING,
    )


@pytest.mark.parametrize("personal", [False, True], ids=["campaign-products", "personal-picks"])
def test_stencil_mail_equals_the_full_render_for_every_recipient(monkeypatch, personal):
    # The topic token carries a timestamp; both ways must use the same one.
    monkeypatch.setattr(letters_module, "topic_token", lambda c, k: f"topic{c.pk}:sig")
    campaign = _campaign(_products(), personal=personal)
    content = (KnownPicks if personal else CampaignContent)(campaign, list(campaign.products.all()))
    letters = Letters(campaign, content, TEMPLATE)
    variants = list(campaign.variants.all())
    people = [
        contactable(name=name, language=language, allow_tracking=tracking)
        for name in NAMES
        for language, tracking in (("en", True), ("zh-hans", False), ("", True))
    ]
    compared = 0
    for customer in people:
        for variant in variants:
            public_id = uuid.uuid4()
            message_id = f"<{public_id.hex}@example.com>"
            write = letters.letter(customer, variant)
            new = write(customer, public_id, message_id, Purpose.MARKETING)
            old = _full_render(content, letters, customer, variant, public_id, message_id)
            assert new == old, (customer.name, customer.language, variant.subject)
            compared += 1
    assert compared == len(NAMES) * 3 * 2
    # And the stencils were really used (not the full render every time).
    for variant in variants:
        for language in ("en", "zh-hans"):
            for picks in {False, personal}:
                stencil = letters.stencil_for(variant, language, Purpose.MARKETING, personal=picks)
                assert stencil is not None
                # The campaign's own list is in the stencil; personal lists are filled in.
                shared_list = "Kite &amp; string 0" in stencil.html
                assert shared_list is not picks
                assert (hole("products_html") in stencil.html) is picks


def test_stencil_mail_is_filled_in_not_rendered(monkeypatch):
    campaign = _campaign(_products())
    letters = Letters(campaign, CampaignContent(campaign, []), TEMPLATE)
    [variant, _other] = list(campaign.variants.all())
    ann = contactable(name="Ann & Bo", language="en")
    write = letters.letter(ann, variant)
    write(ann, uuid.uuid4(), "<a@example.com>", Purpose.MARKETING)  # makes the stencil

    def no_full_render(**kwargs):
        raise AssertionError("rendered in full")

    monkeypatch.setattr(rendering, "render", no_full_render)
    mail = write(ann, uuid.uuid4(), "<b@example.com>", Purpose.MARKETING)
    assert mail.subject == "Hello Ann & Bo, spring is here"
    assert "Dear Ann &amp; Bo,<br><br>Spring &amp; &lt;kites&gt; for Ann &amp; Bo." in mail.html
    assert "Dear Ann & Bo,\n\nSpring & <kites> for Ann & Bo." in mail.text


def test_a_template_that_reads_the_customer_gets_no_stencil():
    # The occasion reminder greets `customer.name`, which a stencil cannot know: the sample
    # check notices and the mail is rendered in full.
    sample = Customer(name="Ann", language="en", allow_tracking=True)
    stencil = make_stencil(
        templates=rendering.load_templates("occasion_reminder"),
        context={"occasion_date": hole("date"), "products": []},
        holes={"date": False},
        purpose=Purpose.MARKETING,
        language="en",
        sample_customer=sample,
        sample_context={"occasion_date": "1 May", "products": []},
        sample_values={"date": "1 May"},
    )
    assert stencil is None


def test_queries_per_batch_do_not_grow_with_the_recipients():
    products = _products()
    counts = []
    for size in (2, 3, 9):  # the first warms the caches (shop details, content types)
        people = [contactable(email=f"q{size}-{i}@example.com") for i in range(size)]
        campaign = _campaign(products)
        letters = Letters(campaign, CampaignContent(campaign, products), TEMPLATE)
        variants = list(campaign.variants.all())
        with CaptureQueriesContext(connection) as queries:
            written = deliver_many(
                campaign=campaign, customers=people, variants=variants, letters=letters
            )
        assert written == size
        assert Message.objects.filter(customer__in=people).count() == size
        counts.append(len(queries))
    assert counts[1] == counts[2]
