"""Demo segments on the real Online Retail catalogue: each shows a different home page.

Idempotent: a segment that already exists (by name) is left as the managers last saw it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rapport.catalog.models import Category
from rapport.segments.models import BlockKind, CarouselMode, NewsTopic, Segment
from rapport.segments.services import add_block, save_segment

SOURCE = "online_retail"


@dataclass
class DemoSegment:
    name: str
    description: str
    priority: int
    rule: dict[str, Any]
    hero: tuple[str, str]
    carousel: list[str] = field(default_factory=list)  # category external keys
    featured: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)


def _bought(*keys: str) -> dict[str, Any]:
    return {"field": "categories_bought", "op": "any", "value": list(keys)}


DEMO = [
    DemoSegment(
        name="Champions",
        description="RFM champions: recent, frequent, big spenders.",
        priority=10,
        rule={"field": "rfm_group", "op": "in", "value": ["champions"]},
        hero=(
            "Thank you for being one of our best customers",
            "Champions get first look at new arrivals — here they are.",
        ),
        carousel=["home-living"],
    ),
    DemoSegment(
        name="Party planners",
        description="Bought party supplies at least twice as often as anything seasonal.",
        priority=20,
        rule={
            "all": [_bought("party-celebration"), {"field": "order_count", "op": "gte", "value": 2}]
        },
        hero=("Your next party starts here", "Bunting, balloons and paper cups our planners love."),
        carousel=["party-celebration"],
        featured=["party-celebration", "stationery-gift-wrap"],
        needs=["party-celebration"],
    ),
    DemoSegment(
        name="Bakers",
        description="Bought baking goods.",
        priority=30,
        rule=_bought("kitchen-dining/baking"),
        hero=("Bake something lovely", "Cake cases, moulds and cutters, best sellers first."),
        carousel=["kitchen-dining/baking"],
        featured=["kitchen-dining"],
        needs=["kitchen-dining/baking"],
    ),
    DemoSegment(
        name="Students",
        description="Customers who told us they study.",
        priority=40,
        rule={"field": "occupation", "op": "in", "value": ["student"]},
        hero=("Back to your desk", "Notebooks, pens and games for the common room."),
        carousel=["stationery-gift-wrap/stationery", "toys-kids"],
        featured=["stationery-gift-wrap", "toys-kids"],
    ),
]


def seed_demo_segments(*, actor: Any = None) -> list[str]:
    """Create the demo segments whose categories exist; returns the names created."""
    by_key = {c.external_key: c for c in Category.objects.filter(source=SOURCE)}
    created: list[str] = []
    for demo in DEMO:
        if Segment.objects.filter(name=demo.name).exists():
            continue
        if any(key not in by_key for key in demo.needs + demo.carousel + demo.featured):
            continue
        rule = _with_slugs(demo.rule, by_key)
        segment = save_segment(
            actor=actor,
            name=demo.name,
            description=demo.description,
            rule=rule,
            priority=demo.priority,
        )
        add_block(
            actor=actor, segment=segment, kind=BlockKind.HERO, title=demo.hero[0], text=demo.hero[1]
        )
        add_block(
            actor=actor,
            segment=segment,
            kind=BlockKind.CAROUSEL,
            title=", ".join(by_key[k].name for k in demo.carousel),
            categories=[by_key[k] for k in demo.carousel],
            carousel_mode=CarouselMode.BEST_SELLERS,
        )
        if demo.featured:
            add_block(
                actor=actor,
                segment=segment,
                kind=BlockKind.CATEGORIES,
                title="Shop by category",
                categories=[by_key[k] for k in demo.featured],
            )
        add_block(
            actor=actor,
            segment=segment,
            kind=BlockKind.NEWS,
            topic=NewsTopic.OFFERS,
            title="This week",
            text="Free delivery on orders over £50 until Sunday.",
        )
        add_block(
            actor=actor,
            segment=segment,
            kind=BlockKind.COMMUNITY,
            title="From the community",
            text="Share your photos with #rapportmade — we feature one every week.",
        )
        created.append(demo.name)
    return created


def _with_slugs(rule: dict[str, Any], by_key: dict[str, Category]) -> dict[str, Any]:
    """Rules name categories by slug; the demo names them by their stable import key."""
    if "all" in rule or "any" in rule:
        key = "all" if "all" in rule else "any"
        return {key: [_with_slugs(r, by_key) for r in rule[key]]}
    if "not" in rule:
        return {"not": _with_slugs(rule["not"], by_key)}
    if rule.get("field") == "categories_bought":
        return {**rule, "value": [by_key[k].slug for k in rule["value"]]}
    return rule
