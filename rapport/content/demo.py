"""A few demo news items (one per home-page topic) and a product story, featuring products, plus
demo content accounts; run by `bootstrap_demo` after the content tree exists."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.utils import timezone

from rapport.accounts.models import User
from rapport.accounts.roles import EMPLOYEE
from rapport.catalog.queries import sellable_products
from rapport.content.models import ContentPage, FeaturedProduct, NewsPage, StoryPage
from rapport.content.roles import EDITOR, WRITER
from rapport.content.setup import ensure_content_site
from rapport.segments.models import NewsTopic

DEMO_NEWS = (
    (
        "free-delivery-week",
        NewsTopic.OFFERS,
        "Free delivery week",
        "Free delivery on every order over £50 until Sunday.",
    ),
    (
        "new-kitchen-arrivals",
        NewsTopic.NEW_ARRIVALS,
        "New in the kitchen",
        "Enamel mugs, copper kettles and linen cloths have just arrived.",
    ),
    (
        "summer-fair",
        NewsTopic.EVENTS,
        "Meet us at the summer fair",
        "Our makers show their work at the town-hall fair on the first Saturday of the month.",
    ),
)
DEMO_ACCOUNTS = (
    ("writer@demo.rapport.test", "demo-writer-2026", WRITER, "Wren"),
    ("editor@demo.rapport.test", "demo-editor-2026", EDITOR, "Edda"),
)


def seed_demo_content() -> list[str]:
    home = ensure_content_site()
    news = ContentPage.objects.child_of(home).get(slug="news")
    stories = ContentPage.objects.child_of(home).get(slug="stories")
    products = list(sellable_products().order_by("-popularity", "pk")[:6])
    created: list[str] = []
    for i, (slug, topic, title, intro) in enumerate(DEMO_NEWS):
        if NewsPage.objects.filter(slug=slug).exists():
            continue
        page = NewsPage(
            title=title,
            slug=slug,
            topic=topic,
            intro=intro,
            body=f"<p>{intro}</p>",
            search_description=intro,
        )
        news.add_child(instance=page)
        for n, product in enumerate(products[i * 2 : i * 2 + 2]):
            FeaturedProduct.objects.create(page=page, product=product, sort_order=n)
        page.save_revision().publish()
        created.append(title)
    if products and not StoryPage.objects.filter(slug="how-it-is-made").exists():
        story = StoryPage(
            title=f"How the {products[0].name.lower()} is made",
            slug="how-it-is-made",
            intro="From the workshop to your home.",
            body="<p>Every piece is checked by hand before it leaves the workshop.</p>",
            search_description="From the workshop to your home.",
        )
        stories.add_child(instance=story)
        FeaturedProduct.objects.create(page=story, product=products[0], sort_order=0)
        story.save_revision().publish()
        created.append(story.title)
    for email, password, role, first_name in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=password,
                first_name=first_name,
                email_verified_at=timezone.now(),
                is_staff=True,
            )
            user.groups.add(Group.objects.get(name=EMPLOYEE), Group.objects.get(name=role))
    return created
