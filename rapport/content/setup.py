"""The content tree, roles and review workflow, set up once (`manage.py setup_content`, also run
by `bootstrap_demo`); running it again changes nothing.

Tree: Wagtail's root → "Home" (the site's root page; `/` itself stays the store's home) →
"News" (`/news/`) and "Stories" (`/stories/`). Roles: the Writer group may add and edit pages
(and use images); the Editor group may also publish. Every page under Home goes through the
"Editor review" workflow: a writer submits, an editor approves (publishes) or asks for changes.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Locale,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from rapport.content.models import ContentPage
from rapport.content.roles import EDITOR, WORKFLOW_NAME, WRITER

HOME_SLUG = "site-home"
WAGTAIL_DEFAULT_GROUPS = ("Moderators", "Editors")
SECTIONS = (("news", "News"), ("stories", "Stories"))
WRITER_PAGE_PERMISSIONS = ("add_page", "change_page")
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
IMAGE_PERMISSIONS = ("add_image", "change_image", "choose_image")


@transaction.atomic
def ensure_content_site() -> ContentPage:
    _ensure_wagtail_roots()
    home = _ensure_home()
    for slug, title in SECTIONS:
        section = ContentPage.objects.child_of(home).filter(slug=slug).first()
        if section is None:
            section = ContentPage(title=title, slug=slug, show_in_menus=True)
            home.add_child(instance=section)
            section.save_revision().publish()
    writer, _ = Group.objects.get_or_create(name=WRITER)
    editor, _ = Group.objects.get_or_create(name=EDITOR)
    access = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    images = Permission.objects.filter(
        content_type__app_label="wagtailimages", codename__in=IMAGE_PERMISSIONS
    )
    root_collection = Collection.get_first_root_node()
    for group, codenames in (
        (writer, WRITER_PAGE_PERMISSIONS),
        (editor, EDITOR_PAGE_PERMISSIONS),
    ):
        group.permissions.add(access)
        for codename in codenames:
            permission = Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            )
            GroupPagePermission.objects.get_or_create(group=group, page=home, permission=permission)
        for permission in images:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root_collection, permission=permission
            )
    _ensure_workflow(home, editor)
    _retire_wagtail_defaults()
    return home


def _retire_wagtail_defaults() -> None:
    """Wagtail's migrations add "Moderators" (publish anywhere) and "Editors" groups and a
    "Moderators approval" workflow: unused here, and a second way to grant publishing. They go
    while nobody is in them."""
    for name in WAGTAIL_DEFAULT_GROUPS:
        group = Group.objects.filter(name=name).first()
        if group is not None and not group.user_set.exists():
            group.delete()
    Workflow.objects.filter(name="Moderators approval").update(active=False)


def _ensure_wagtail_roots() -> None:
    """Wagtail's migrations make the root page, root collection and default locale; a flushed
    database (transactional tests) has none of them."""
    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    if Page.get_first_root_node() is None:
        Page.add_root(instance=Page(title="Root", slug="root", live=True))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")


def _ensure_home() -> ContentPage:
    site = Site.objects.filter(is_default_site=True).first()
    if site is not None and isinstance(site.root_page.specific, ContentPage):
        return site.root_page.specific
    root = Page.get_first_root_node()
    home = ContentPage.objects.child_of(root).filter(slug=HOME_SLUG).first()
    if home is None:
        home = ContentPage(title="Home", slug=HOME_SLUG)
        root.add_child(instance=home)
        home.save_revision().publish()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    else:
        site.root_page = home
        site.save(update_fields=["root_page"])
    # Wagtail's own "Welcome" placeholder page goes (its site now points at our home).
    Page.objects.child_of(root).exclude(pk=home.pk).filter(numchild=0).delete()
    return home


def _ensure_workflow(home: Page, editor: Group) -> None:
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name=f"{WORKFLOW_NAME}: {EDITOR}").first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=f"{WORKFLOW_NAME}: {EDITOR}")
        task.groups.set([editor])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})
