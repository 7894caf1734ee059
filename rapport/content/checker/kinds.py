"""What each fault kind is called on the portal report and in the content team's mail."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rapport.content.checker.crawler import Kind

LABELS = {
    Kind.BROKEN_LINK: _("Broken link"),
    Kind.BROKEN_EXTERNAL: _("Broken external link"),
    Kind.MISSING_IMAGE: _("Missing image"),
    Kind.BROKEN_IMAGE: _("Broken image"),
    Kind.MISSING_TITLE: _("Missing title"),
    Kind.EMPTY_TITLE: _("Empty title"),
    Kind.DUPLICATE_TITLE: _("Duplicate title"),
    Kind.LONG_TITLE: _("Title too long"),
    Kind.MISSING_DESCRIPTION: _("Missing meta description"),
    Kind.EMPTY_DESCRIPTION: _("Empty meta description"),
    Kind.DUPLICATE_DESCRIPTION: _("Duplicate meta description"),
    Kind.LONG_DESCRIPTION: _("Meta description too long"),
    Kind.SLOW_PAGE: _("Slow page"),
    Kind.MIXED_CONTENT: _("Mixed content"),
    Kind.ORPHAN_PAGE: _("Orphan page"),
}
