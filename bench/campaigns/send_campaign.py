"""Build and queue a campaign to N recipients (default 100,000) and print the seconds.

Run on a throw-away PostgreSQL database (it is migrated and filled here):

    createdb -h 127.0.0.1 -U postgres rapport_campaign_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_campaign_bench DEBUG=1 \\
        CELERY_TASK_ALWAYS_EAGER=0 .venv/bin/python bench/campaigns/send_campaign.py [--customers N]

What is timed: `send_campaign_task` for a segment campaign (one version, three products, 10 %
control) — reading the audience, the control group, topic opt-outs, the daily cap, consent, the
weekly contact budget, rendering each mail in the customer's language, writing the outbox row
and the recipient row, batch after batch. Sending the outbox is the messaging worker's job and is
not timed (with CELERY_TASK_ALWAYS_EAGER=0 and no REDIS_URL the send tasks go to an in-memory
broker). The web process only flips the campaign to "sending": that is timed separately.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from rapport.campaigns.models import AudienceKind, Campaign, Recipient  # noqa: E402
from rapport.campaigns.services import save_campaign, start_campaign  # noqa: E402
from rapport.campaigns.tasks import send_campaign_task  # noqa: E402
from rapport.catalog.models import Category, Product  # noqa: E402
from rapport.customers.models import (  # noqa: E402
    Consent,
    ContactKind,
    ContactPoint,
    Customer,
    Purpose,
)
from rapport.inventory.models import StockRecord  # noqa: E402
from rapport.messaging.models import Message  # noqa: E402
from rapport.segments.models import Segment, SegmentMembership  # noqa: E402


def fill(n: int) -> Segment:
    """N customers with a consenting email, all in one segment (bulk, a few seconds)."""
    segment, _ = Segment.objects.get_or_create(name="Bench audience")
    have = segment.memberships.count()
    if have >= n:
        return segment
    now = timezone.now()
    batch = 5000
    for start in range(have, n, batch):
        people = Customer.objects.bulk_create(
            Customer(name=f"Bench {i}", email=f"bench{i}@example.com", time_zone="Europe/London")
            for i in range(start, min(start + batch, n))
        )
        points = ContactPoint.objects.bulk_create(
            ContactPoint(
                customer=c, kind=ContactKind.EMAIL, value=c.email, is_primary=True, status="valid"
            )
            for c in people
        )
        Consent.objects.bulk_create(
            Consent(contact_point=p, purpose=purpose, granted=True, changed_at=now, source="bench")
            for p in points
            for purpose in (Purpose.TRANSACTIONAL, Purpose.MARKETING)
        )
        SegmentMembership.objects.bulk_create(
            SegmentMembership(segment=segment, customer=c) for c in people
        )
        print(f"  filled {start + len(people)}", file=sys.stderr)
    return segment


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL (DATABASE_URL).")
    call_command("migrate", verbosity=0)
    segment = fill(args.customers)
    category, _ = Category.objects.get_or_create(name="Bench", slug="bench")
    products = []
    for i in range(3):
        product, _ = Product.objects.get_or_create(
            sku=f"BENCH-{i}",
            defaults={
                "name": f"Bench product {i}",
                "slug": f"bench-{i}",
                "price": "9.99",
                "category": category,
            },
        )
        StockRecord.objects.get_or_create(product=product, defaults={"quantity": 1000})
        products.append(product)
    Recipient.objects.all().delete()
    Message.objects.all().delete()
    Campaign.objects.all().delete()
    campaign = save_campaign(
        actor=None,
        name="Bench",
        audience_kind=AudienceKind.SEGMENT,
        segment=segment,
        variants=[("Hello {name}", "Spring is here, {name}.")],
        products=products,
        personal_products=False,
    )
    began = time.perf_counter()
    start_campaign(campaign=campaign, actor=None)
    web = time.perf_counter() - began
    began, cpu = time.perf_counter(), time.process_time()
    send_campaign_task.apply(args=[campaign.pk]).get()
    worker, cpu = time.perf_counter() - began, time.process_time() - cpu
    rows = Recipient.objects.filter(campaign=campaign)
    print(
        f"{args.customers} recipients: web request {web * 1000:.0f} ms; worker built and queued "
        f"{rows.filter(message__isnull=False).count()} mails "
        f"({rows.filter(is_control=True).count()} control) in {worker:.1f} s "
        f"({args.customers / worker:.0f} recipients/s); worker CPU {cpu:.1f} s "
        f"({cpu / args.customers * 1000:.2f} ms a recipient)"
    )


if __name__ == "__main__":
    main()
