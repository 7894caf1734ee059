"""The storefront that knows who is looking (M3): the segment blocks on the home page and the
customer's own settings (theme, hidden blocks, news topics).

Blocks are rendered once per combination of segments and cached (not per person); the
per-person step only drops blocks the customer hid and news outside their topics.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from rapport.catalog.cache import version as catalogue_version
from rapport.content import queries as content_queries
from rapport.customers.access import get_own_customer
from rapport.segments import cache as segments_cache
from rapport.segments import queries
from rapport.segments.models import HIDEABLE_BLOCKS, BlockKind, NewsTopic, Theme
from rapport.segments.services import SegmentError, save_personalisation

BLOCK_TIMEOUT = 600


@dataclass(frozen=True)
class PersonalHome:
    html: SafeString
    has_hero: bool


def _rendered_blocks(segment_ids: tuple[int, ...]) -> list[tuple[str, str, str]]:
    """(kind, topic, html) for the blocks of this segment combination, cached."""
    key = "home:blocks:{}:{}:{}:{}".format(
        ".".join(map(str, segment_ids)),
        segments_cache.version(),
        catalogue_version(),
        get_language(),
    )
    found = cache.get(key)
    if found is not None:
        return found
    rendered: list[tuple[str, str, str]] = []
    hero_seen = False
    version = catalogue_version()
    for block in queries.home_blocks(segment_ids):
        if block.kind == BlockKind.HERO:
            if hero_seen:  # one hero: the highest-priority segment's
                continue
            hero_seen = True
        context = {"block": block, "catalogue_version": version}
        if block.kind == BlockKind.CAROUSEL:
            context["products"] = queries.carousel_products(block)
        elif block.kind == BlockKind.NEWS:
            # Published news of the block's topic (rapport.content); publishing bumps the
            # segments version, so this cached rendering goes stale then.
            context["news"] = content_queries.latest_news(block.topic)
        html = render_to_string(f"storefront/personal/blocks/{block.kind}.html", context)
        rendered.append((block.kind, block.topic, html))
    cache.set(key, rendered, BLOCK_TIMEOUT)
    return rendered


def personal_home(request: HttpRequest) -> PersonalHome | None:
    """The signed-in customer's segment blocks, or None (anonymous, staff, in no segment)."""
    prefs = queries.preferences_for_user(request.user)
    if prefs.customer_id is None:
        return None
    segment_ids = queries.segment_ids_for(prefs.customer_id)
    if not segment_ids:
        return None
    visible = [
        (kind, html)
        for kind, topic, html in _rendered_blocks(segment_ids)
        if kind not in prefs.hidden_blocks
        and not (kind == BlockKind.NEWS and prefs.news_topics and topic not in prefs.news_topics)
    ]
    if not visible:
        return None
    return PersonalHome(
        html=mark_safe("".join(html for _kind, html in visible)),  # noqa: S308 (our templates)
        has_hero=any(kind == BlockKind.HERO for kind, _html in visible),
    )


@login_required
def personalise(request: HttpRequest) -> HttpResponse:
    """Theme, blocks to hide and news topics, saved on the customer's record."""
    customer = get_own_customer(request.user)
    prefs = queries.preferences_for_user(request.user)
    if request.method == "POST":
        try:
            save_personalisation(
                actor=request.user,
                customer=customer,
                theme=request.POST.get("theme", Theme.LIGHT),
                hidden_blocks=request.POST.getlist("hide"),
                news_topics=request.POST.getlist("topic"),
            )
        except SegmentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your storefront settings are saved."))
            return redirect("storefront:personalise")
    return render(
        request,
        "storefront/personal/settings.html",
        {
            "prefs": prefs,
            "themes": Theme.choices,
            "hideable": [(k.value, k.label) for k in HIDEABLE_BLOCKS],
            "topics": NewsTopic.choices,
        },
    )
