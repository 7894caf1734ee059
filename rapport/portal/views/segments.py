"""Manager pages for segments (M3): define rule or hand-picked segments with a live preview,
compose each segment's home page from blocks, and recompute RFM and memberships on demand."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rapport.catalog.models import Category
from rapport.core.access import manager_required
from rapport.customers.models import Customer
from rapport.segments import queries
from rapport.segments.access import get_block_for, get_segment_for
from rapport.segments.builder import builder_spec
from rapport.segments.models import BlockKind, CarouselMode, NewsTopic, Segment, SegmentKind
from rapport.segments.rules import FIELDS, RuleError, validate_rule
from rapport.segments.services import (
    SegmentError,
    add_block,
    add_static_members,
    compute_rfm,
    delete_block,
    refresh_segments,
    remove_static_member,
    save_segment,
)

EXAMPLE_RULE = {
    "all": [
        {"field": "occupation", "op": "in", "value": ["student"]},
        {"not": {"field": "rfm_group", "op": "in", "value": ["lost"]}},
    ]
}


def parse_rule(text: str) -> dict[str, Any]:
    """JSON text → a validated rule tree; RuleError with a readable message otherwise."""
    try:
        rule = json.loads(text or "")
    except json.JSONDecodeError as exc:
        raise RuleError(
            _("The rule is not valid JSON (line %(line)d, column %(col)d: %(msg)s).")
            % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}
        ) from exc
    validate_rule(rule)
    return rule


class SegmentForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=SegmentKind.choices)
    rule = forms.CharField(
        label=gettext_lazy("Rule"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "class": "mono"}),
    )
    priority = forms.IntegerField(label=gettext_lazy("Priority"), min_value=0, initial=100)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == SegmentKind.RULE:
            try:
                data["rule"] = parse_rule(data.get("rule", ""))
            except RuleError as exc:
                self.add_error("rule", str(exc))
        else:
            data["rule"] = {}
        return data


class BlockForm(forms.Form):
    kind = forms.ChoiceField(choices=BlockKind.choices)
    title = forms.CharField(max_length=160, required=False)
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.order_by("name"), required=False
    )
    carousel_mode = forms.ChoiceField(
        choices=CarouselMode.choices, initial=CarouselMode.BEST_SELLERS
    )
    topic = forms.ChoiceField(choices=[("", "—"), *NewsTopic.choices], required=False)
    limit = forms.IntegerField(min_value=1, max_value=24, initial=8)


def _context(**extra: Any) -> dict[str, Any]:
    return {
        "fields": sorted(FIELDS.items()),
        "builder": builder_spec(),
        "example": json.dumps(EXAMPLE_RULE, indent=2),
        **extra,
    }


@manager_required
def segment_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/segments/list.html",
        {"segments": queries.segments_with_blocks(), "rfm_groups": queries.rfm_group_counts()},
    )


def _save(request: HttpRequest, form: SegmentForm, segment: Segment | None) -> Segment | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return save_segment(
            actor=request.user,
            segment=segment,
            name=data["name"],
            description=data["description"],
            kind=data["kind"],
            rule=data["rule"],
            priority=data["priority"],
            is_active=data["is_active"],
        )
    except (SegmentError, RuleError) as exc:
        form.add_error(None, str(exc))
        return None


@manager_required
def segment_create(request: HttpRequest) -> HttpResponse:
    form = SegmentForm(request.POST or None, initial={"rule": json.dumps(EXAMPLE_RULE, indent=2)})
    if request.method == "POST":
        segment = _save(request, form, None)
        if segment is not None:
            messages.success(
                request, _("Segment saved: %(n)d members.") % {"n": segment.member_count}
            )
            return redirect("portal:segment_detail", public_id=segment.public_id)
    return render(request, "portal/segments/edit.html", _context(form=form, segment=None))


@manager_required
def segment_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    segment = get_segment_for(request.user, public_id)
    initial = {
        "name": segment.name,
        "description": segment.description,
        "kind": segment.kind,
        "rule": json.dumps(segment.rule, indent=2) if segment.rule else "",
        "priority": segment.priority,
        "is_active": segment.is_active,
    }
    form = SegmentForm(request.POST or None, initial=initial)
    if request.method == "POST":
        saved = _save(request, form, segment)
        if saved is not None:
            messages.success(
                request, _("Segment saved: %(n)d members.") % {"n": saved.member_count}
            )
            return redirect("portal:segment_detail", public_id=segment.public_id)
    return render(
        request,
        "portal/segments/edit.html",
        _context(
            form=form,
            segment=segment,
            members=queries.members(segment, page=request.GET.get("page", 1)),
            blocks=segment.blocks.prefetch_related("categories"),
            block_form=BlockForm(),
        ),
    )


@manager_required
@require_POST
def segment_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the live count and a sample of members for the rule being edited."""
    try:
        rule = parse_rule(request.POST.get("rule", ""))
    except RuleError as exc:
        return render(request, "portal/segments/_preview.html", {"error": str(exc)})
    count, sample = queries.preview(rule)
    return render(request, "portal/segments/_preview.html", {"count": count, "sample": sample})


@manager_required
@require_POST
def segment_members_add(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    segment = get_segment_for(request.user, public_id)
    emails = {e.strip().lower() for e in request.POST.get("emails", "").split() if e.strip()}
    found = list(Customer.objects.active().filter(email__in=emails))
    missing = emails - {c.email.lower() for c in found}
    try:
        added = add_static_members(actor=request.user, segment=segment, customers=found)
    except SegmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(n)d customers added.") % {"n": added})
        if missing:
            messages.error(
                request, _("No active customer with: %(e)s") % {"e": ", ".join(sorted(missing))}
            )
    return redirect("portal:segment_detail", public_id=segment.public_id)


@manager_required
@require_POST
def segment_member_remove(
    request: HttpRequest, public_id: uuid.UUID, customer_id: uuid.UUID
) -> HttpResponse:
    segment = get_segment_for(request.user, public_id)
    customer = Customer.objects.filter(
        public_id=customer_id, segment_memberships__segment=segment
    ).first()
    if customer is not None:
        try:
            remove_static_member(actor=request.user, segment=segment, customer=customer)
        except SegmentError as exc:
            messages.error(request, str(exc))
    return redirect("portal:segment_detail", public_id=segment.public_id)


@manager_required
@require_POST
def segment_block_add(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    segment = get_segment_for(request.user, public_id)
    form = BlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The block was not added: %(e)s") % {"e": form.errors.as_text()})
    else:
        try:
            add_block(actor=request.user, segment=segment, **form.cleaned_data)
        except SegmentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Block added."))
    return redirect("portal:segment_detail", public_id=segment.public_id)


@manager_required
@require_POST
def segment_block_delete(request: HttpRequest, public_id: uuid.UUID, pk: int) -> HttpResponse:
    segment = get_segment_for(request.user, public_id)
    block = get_block_for(request.user, segment, pk)
    delete_block(actor=request.user, block=block)
    messages.success(request, _("Block removed."))
    return redirect("portal:segment_detail", public_id=segment.public_id)


@manager_required
@require_POST
def segments_refresh(request: HttpRequest) -> HttpResponse:
    """Recompute RFM and every rule segment now (the scheduled task does it every 6 hours)."""
    scored = compute_rfm(actor=request.user)
    counts = refresh_segments(actor=request.user)
    messages.success(
        request,
        _("RFM recomputed for %(n)d customers; %(s)d segments refreshed.")
        % {"n": scored, "s": len(counts)},
    )
    return redirect("portal:segment_list")
