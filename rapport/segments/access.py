"""The only way interface code fetches segments and their blocks: managers only, 404 otherwise."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404

from rapport.accounts.roles import is_manager
from rapport.segments.models import HomeBlock, Segment


def get_segment_for(user: Any, public_id: Any) -> Segment:
    """The segment with this public id for a manager; Http404 for anyone else or no such one."""
    if not is_manager(user):
        raise Http404
    try:
        return Segment.objects.get(public_id=public_id)
    except (ValidationError, Segment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such segment") from exc


def get_block_for(user: Any, segment: Segment, pk: Any) -> HomeBlock:
    """A block of `segment` (which the caller fetched through `get_segment_for`)."""
    if not is_manager(user):
        raise Http404
    try:
        return HomeBlock.objects.get(segment=segment, pk=pk)
    except (HomeBlock.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such block") from exc
