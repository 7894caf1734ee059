"""schemathesis against the JSON API's OpenAPI schema, in process, as customer, employee and
manager: counts generated cases, 5xx answers and schema violations. One JSON object on stdout.

Fills a scratch database with a little of everything the API shows (products in categories, two
customers with an order, a conversation, a sent quote and an open draft order each, a note),
gives each persona a token with every scope its role allows, then, for every operation, persona
and generation mode (positive: data the schema allows; negative: data it forbids), lets
schemathesis generate cases. Half of the generated path ids are swapped for real ones, so object
routes are hit with objects that exist (the persona's own, or another customer's) as well as
random ids. Each response goes through schemathesis's checks: no server error, a documented
status code, content type and headers, a body matching the schema, and negative data refused
with a 4xx. Rate limits are lifted for the run.

    DATABASE_URL=postgres://…/scratch .venv/bin/python bench/api/schemathesis_run.py --examples 40
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")


def seed(stamp: str) -> dict[str, Any]:
    """The personas with their tokens, and real ids per path parameter name."""
    from django.contrib.auth.models import Group

    from rapport.accounts.models import User
    from rapport.accounts.services.api_tokens import create_token, scopes_allowed_for
    from rapport.catalog.tests.factories import CategoryFactory
    from rapport.chat.models import Room, RoomKind, RoomStatus
    from rapport.chat.services import post_message
    from rapport.checkout.services import place_order
    from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
    from rapport.customers.models import Customer
    from rapport.drafts.services import DraftLineInput, save_draft
    from rapport.quotes.lines import LineInput
    from rapport.quotes.services import create_quote, send_quote
    from rapport.workspace.services import add_note

    users: dict[str, Any] = {}
    for persona, role in (
        ("customer", None),
        ("other", None),
        ("employee", "Employee"),
        ("manager", "Manager"),
    ):
        user = User.objects.create_user(email=f"{persona}-{stamp}@bench.example.com")
        if role:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        else:
            Customer.objects.create(user=user, email=user.email, name=f"Bench {persona}")
        users[persona] = user
    parent = CategoryFactory(name=f"Bench {stamp}")
    category = CategoryFactory(name=f"Bench {stamp} teapots", parent=parent)
    products = [
        stocked_product(
            quantity=50, category=category, sku=f"B{stamp}-{i}", name=f"Teapot {stamp} {i}"
        )
        for i in range(6)
    ]
    ids: dict[str, list[str]] = {"product_id": [str(p.public_id) for p in products]}
    for persona in ("customer", "other"):
        user = users[persona]
        customer = Customer.objects.get(user=user)
        order = place_order(
            cart=cart_with(user, (products[0], 1), (products[1], 2)),
            customer=customer,
            address=address_for(customer),
            shipping_method="standard",
            payment_method="cod",
            idempotency_key=f"bench-{stamp}-{persona}",
            actor=user,
        )
        room = Room.objects.create(
            kind=RoomKind.CUSTOMER, status=RoomStatus.OPEN, customer=customer, title=persona
        )
        post_message(room=room, actor=user, body="Hello", from_staff=False)
        note = add_note(actor=users["employee"], body="Call back", order=order)
        quote = create_quote(
            customer=customer,
            actor=users["employee"],
            lines=[LineInput(product=products[2], quantity=3, unit_price=Decimal("9.50"))],
            valid_until=date.today() + timedelta(days=30),
        )
        send_quote(quote=quote, actor=users["employee"])
        draft = save_draft(
            actor=users["employee"],
            customer=customer,
            lines=[DraftLineInput(product=products[3], quantity=2)],
        )
        ids.setdefault("quote_id", []).append(str(quote.public_id))
        ids.setdefault("draft_id", []).append(str(draft.public_id))
        ids.setdefault("order_id", []).append(str(order.public_id))
        ids.setdefault("customer_id", []).append(str(customer.public_id))
        ids.setdefault("conversation_id", []).append(str(room.public_id))
        ids.setdefault("note_id", []).append(str(note.public_id))
    tokens = {
        persona: create_token(
            user=users[persona],
            name="schemathesis",
            scopes=list(scopes_allowed_for(users[persona])),
        )
        for persona in ("customer", "employee", "manager")
    }
    return {"tokens": tokens, "ids": ids}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=40, help="per operation/persona/mode")
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from schemathesis import openapi
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation.modes import GenerationMode
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    for name in (
        "RAPPORT_API_RATE_TOKEN",
        "RAPPORT_API_RATE_USER",
        "RAPPORT_API_RATE_ANONYMOUS",
        "RAPPORT_API_RATE_DEVICE",
    ):
        setattr(settings, name, 10**9)
    if not (settings.RAPPORT_DEVICE_CA_KEY or settings.RAPPORT_DEVICE_CA_KEY_FILE):
        # A site CA for the run, so device enrolment answers as on a configured site.
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        settings.RAPPORT_DEVICE_CA_KEY = (
            Ed25519PrivateKey.generate()
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .decode()
        )
    random.seed(args.seed)
    data = seed(f"{time.time():.0f}")
    app = WSGIHandler()
    schema = openapi.from_wsgi("/api/v1/openapi.json", app)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]
    counts: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: Counter[str] = Counter()
    examples: dict[str, str] = {}
    started = time.perf_counter()

    def runner(operation: Any, persona: str, token: str, mode: Any) -> Any:
        mode_checks = checks + ([negative_data_rejection] if mode == "negative" else [])

        @hsettings(
            max_examples=args.examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            for name in list(case.path_parameters or {}):
                real = data["ids"].get(name)
                if real and random.random() < 0.5:
                    case.path_parameters[name] = random.choice(real)
            headers = {"Authorization": f"Bearer {token}"}
            response = case.call(headers=headers)
            counts["cases"] += 1
            counts[f"cases_{persona}"] += 1
            statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=mode_checks, headers=headers)
            except BaseException as exc:  # a Failure or a group of them
                group = getattr(exc, "exceptions", None) or [exc]
                for failure in group:
                    title = getattr(failure, "title", type(failure).__name__)
                    key = f"{operation.label} [{mode}] {title}"
                    failures[key] += 1
                    examples.setdefault(key, f"{case.method} {case.formatted_path}")

        return run

    for result in schema.get_all_operations():
        operation = result.ok()
        for persona, token in data["tokens"].items():
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                runner(operation, persona, token, mode)()

    elapsed = time.perf_counter() - started
    server_errors = sum(n for code, n in statuses.items() if code >= 500)
    print(
        json.dumps(
            {
                "cases": counts["cases"],
                "per_persona": {p: counts[f"cases_{p}"] for p in data["tokens"]},
                "operations": len(list(schema.get_all_operations())),
                "server_errors": server_errors,
                "schema_violations": sum(failures.values()),
                "statuses": dict(sorted(statuses.items())),
                "failures": dict(failures.most_common()),
                "failure_examples": examples,
                "seconds": round(elapsed, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
