"""Portal pages for managers, storefront fragments, the permission matrix for every URL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.catalog.tests.factories import CategoryFactory
from rapport.checkout.tests.factories import stocked_product
from rapport.core.models import AuditEntry
from rapport.core.testing import ALLOW, REDIRECT_HOME, Row, check_matrix, expect, redirect_to
from rapport.customers.models import Customer
from rapport.recommendations import services
from rapport.recommendations.models import (
    Bundle,
    BundleStatus,
    KnowledgeRule,
    MiningSettings,
    ProductRule,
)
from rapport.recommendations.tests.helpers import past_order, rule

pytestmark = pytest.mark.django_db


def suggested_bundle():
    a, b = stocked_product(price="10.00"), stocked_product(price="6.00")
    rule(a, b, confidence=0.8)
    return next(
        x
        for x in services.suggest_bundles()
        if set(x.items.values_list("product_id", flat=True)) == {a.pk, b.pk}
    )


def test_permission_matrix(clients):
    lamp = stocked_product(name="LAMP")
    rule(lamp, stocked_product(name="CANDLES"))
    cats = CategoryFactory(), CategoryFactory()
    knowledge = services.add_knowledge_rule(actor=None, source=cats[0], target=cats[1])
    to_accept, to_reject = suggested_bundle(), suggested_bundle()
    active = services.create_bundle(
        actor=None,
        name="Set",
        price=Decimal("5.00"),
        items=[(stocked_product(price="4.00"), 1), (stocked_product(price="3.00"), 1)],
    )
    managers = lambda ok: expect(non_managers=REDIRECT_HOME, manager=ok)  # noqa: E731
    settings_url = reverse("portal:reco_settings")
    rules_url = reverse("portal:reco_rules")
    bundles_url = reverse("portal:reco_bundles")
    rows = [
        Row("settings", settings_url, managers(ALLOW)),
        Row(
            "settings save",
            settings_url,
            managers(redirect_to(settings_url)),
            method="post",
            data={"min_support": "0.01", "min_confidence": "0.3", "min_lift": "1.2", "top_n": "5"},
        ),
        Row("refresh", reverse("portal:reco_refresh"), managers(redirect_to(settings_url)), "post"),
        Row(
            "consumable",
            reverse("portal:reco_consumable"),
            managers(redirect_to(settings_url)),
            "post",
            {"category": cats[1].pk, "on": "1"},
        ),
        Row("rules", rules_url, managers(ALLOW)),
        Row(
            "rule add",
            rules_url,
            managers(redirect_to(rules_url)),
            "post",
            {"source": cats[1].pk, "target": cats[0].pk, "price_tier": "premium"},
        ),
        Row(
            "rule delete",
            reverse("portal:reco_rule_delete", args=[knowledge.pk]),
            managers(redirect_to(rules_url)),
            "post",
        ),
        Row("bundles", bundles_url, managers(ALLOW)),
        Row(
            "bundle accept",
            reverse("portal:reco_bundle_accept", args=[to_accept.pk]),
            managers(redirect_to(bundles_url)),
            "post",
            {"price": "14.00"},
        ),
        Row(
            "bundle reject",
            reverse("portal:reco_bundle_reject", args=[to_reject.pk]),
            managers(redirect_to(bundles_url)),
            "post",
        ),
        Row(
            "bundle retire",
            reverse("portal:reco_bundle_retire", args=[active.pk]),
            managers(redirect_to(bundles_url)),
            "post",
        ),
        # Storefront fragments: public, like the pages they sit on.
        Row(
            "product suggestions",
            reverse("storefront:suggestions_product", args=[lamp.public_id]),
            expect(everyone=ALLOW),
        ),
        Row("cart suggestions", reverse("storefront:suggestions_cart"), expect(everyone=ALLOW)),
        Row("for you", reverse("storefront:suggestions_for_you"), expect(everyone=ALLOW)),
        Row("buy again", reverse("storefront:suggestions_buy_again"), expect(everyone=ALLOW)),
    ]
    assert check_matrix(rows, clients, {}) == []
    # The manager's posts took effect (and only theirs: the others were turned away first).
    assert MiningSettings.objects.get(pk=1).top_n == 5
    assert not KnowledgeRule.objects.filter(pk=knowledge.pk).exists()
    assert KnowledgeRule.objects.filter(source=cats[1], price_tier="premium").count() == 1
    assert Bundle.objects.get(pk=to_accept.pk).status == BundleStatus.ACTIVE
    assert Bundle.objects.get(pk=to_accept.pk).price == Decimal("14.00")
    assert Bundle.objects.get(pk=to_reject.pk).status == BundleStatus.REJECTED
    assert Bundle.objects.get(pk=active.pk).status == BundleStatus.RETIRED


def test_non_managers_change_nothing(clients):
    bundle = suggested_bundle()
    for actor in ("anonymous", "customer", "employee"):
        clients[actor].post(reverse("portal:reco_bundle_reject", args=[bundle.pk]))
        clients[actor].post(
            reverse("portal:reco_settings"),
            {"min_support": "0.5", "min_confidence": "0.3", "min_lift": "1", "top_n": "5"},
        )
    assert Bundle.objects.get(pk=bundle.pk).status == BundleStatus.SUGGESTED
    assert not MiningSettings.objects.exists()


def test_bad_input_is_explained_and_nothing_changes(clients):
    manager = clients["manager"]
    response = manager.post(
        reverse("portal:reco_settings"),
        {"min_support": "2", "min_confidence": "0.3", "min_lift": "1", "top_n": "5"},
    )
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 1" in response.content.decode()
    assert not MiningSettings.objects.exists()

    a = stocked_product(price="4.00", sku="A-1")
    stocked_product(price="3.00", sku="B-1")
    response = manager.post(
        reverse("portal:reco_bundles"),
        {"name": "Pair", "price": "9.00", "items": "A-1\nB-1"},
    )
    assert "must be below the items" in response.content.decode()
    response = manager.post(
        reverse("portal:reco_bundles"), {"name": "Pair", "price": "5.00", "items": "A-1\nNOPE"}
    )
    assert "Unknown SKU: NOPE" in response.content.decode()
    assert Bundle.objects.count() == 0
    response = manager.post(
        reverse("portal:reco_bundles"),
        {"name": "Pair", "price": "5.00", "items": "A-1 x 2\nB-1"},
    )
    assert response.status_code == 302
    bundle = Bundle.objects.get()
    assert [(i.product, i.quantity) for i in bundle.items.all()] == [
        (a, 2),
        (bundle.items.get(product__sku="B-1").product, 1),
    ]
    bundle_suggestion = suggested_bundle()
    manager.post(reverse("portal:reco_bundle_accept", args=[bundle_suggestion.pk]), {"price": "99"})
    assert Bundle.objects.get(pk=bundle_suggestion.pk).status == BundleStatus.SUGGESTED


def test_refresh_mines_rules_and_audits(clients, people):
    customer = Customer.objects.get(user=people["customer"])
    a, b = stocked_product(), stocked_product()
    for _ in range(3):
        past_order(customer, a, b)
    MiningSettings.objects.create(pk=1, min_support="0.5", min_confidence="0.5", min_lift="0")
    clients["manager"].post(reverse("portal:reco_refresh"))
    assert set(ProductRule.objects.values_list("antecedent_id", "consequent_id")) == {
        (a.pk, b.pk),
        (b.pk, a.pk),
    }
    assert AuditEntry.objects.filter(action="recommendations.refreshed").count() == 1
    assert Bundle.objects.filter(status=BundleStatus.SUGGESTED).count() == 1
    # A second run does not suggest the same pair again.
    clients["manager"].post(reverse("portal:reco_refresh"))
    assert Bundle.objects.count() == 1


def test_fragments_show_reasons_and_hide_bought(clients, people):
    customer = Customer.objects.get(user=people["customer"])
    lamp, candles = stocked_product(name="LAMP"), stocked_product(name="CANDLES")
    rule(lamp, candles)
    url = reverse("storefront:suggestions_product", args=[lamp.public_id])
    response = clients["anonymous"].get(url)
    body = response.content.decode()
    assert "CANDLES" in body
    assert "Customers who bought “LAMP” often add this too." in body
    assert reverse("storefront:cart_add_product", args=[candles.public_id]) in body
    past_order(customer, candles)
    assert "CANDLES" not in clients["customer"].get(url).content.decode()
    assert "CANDLES" in clients["other_customer"].get(url).content.decode()
    home = clients["customer"].get(reverse("storefront:suggestions_for_you")).content.decode()
    assert "CANDLES" not in home  # bought; LAMP was never bought, so no seed either
    past_order(customer, lamp)
    assert clients["customer"].get(reverse("storefront:suggestions_for_you")).content.strip() == b""
