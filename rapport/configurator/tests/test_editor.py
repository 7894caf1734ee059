"""The staff editor: feasibility check, options that can never be chosen, the wishes report."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.configurator import editor, wishes
from rapport.configurator.demo import create_demo_laptop
from rapport.configurator.models import CustomRequest, Rule
from rapport.core.testing import login_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def conf():
    return create_demo_laptop()


def test_a_change_that_admits_no_configuration_is_refused_and_not_written(conf):
    before = Rule.objects.count()
    # The processor group is required; excluding both processors from both chassis empties it.
    for chassis in ("large", "compact"):
        if chassis == "compact":
            with pytest.raises(editor.EditError, match="no configuration"):
                editor.edit(
                    configurable=conf,
                    what="rule",
                    data={
                        "kind": "excludes",
                        "when": f"chassis:{chassis}",
                        "then": "cpu:eco,cpu:fast",
                    },
                    actor=None,
                )
        else:
            editor.edit(
                configurable=conf,
                what="rule",
                data={"kind": "excludes", "when": f"chassis:{chassis}", "then": "cpu:eco,cpu:fast"},
                actor=None,
            )
    assert Rule.objects.count() == before + 1


def test_options_that_can_never_be_chosen_are_listed(conf):
    assert editor.never_possible(conf) == []
    editor.edit(
        configurable=conf,
        what="rule",
        data={"kind": "excludes", "when": "cpu:fast", "then": "chassis:large"},
        actor=None,
    )
    conf.refresh_from_db()
    # The fast processor needs the large chassis and now excludes it: never possible.
    assert editor.never_possible(conf) == ["Processor: Fast 16-core processor"]


def test_an_option_of_another_product_cannot_be_named_in_a_rule(conf):
    with pytest.raises(editor.EditError):
        editor.edit(
            configurable=conf,
            what="rule",
            data={"kind": "requires", "when": "chassis:large", "then": "colour:red"},
            actor=None,
        )


def test_editor_page_and_make_it_an_option(client, conf, people):
    login_staff(client, people["manager"])
    for text in [
        "Purple chassis please",
        "a purple chassis",
        "PURPLE CHASSIS!!",
        "Linux preinstalled",
    ]:
        CustomRequest.objects.create(product=conf.product, text=text)
    report = wishes.wishes_by_product()
    assert [w.count for w in report[0].wishes] == [3, 1]
    page = client.get(reverse("portal:custom_requests")).content.decode()
    assert "Make it an option" in page and "Linux preinstalled" in page
    edit = client.get(
        reverse("portal:configurator_edit", args=[conf.product.public_id]), {"name": "Purple"}
    ).content.decode()
    assert 'value="Purple"' in edit
    response = client.post(
        reverse("portal:configurator_change", args=[conf.product.public_id]),
        {
            "what": "option",
            "group": "extras",
            "code": "purple",
            "name": "Purple",
            "price_delta": "20",
        },
    )
    assert response.status_code == 302
    assert conf.groups.get(code="extras").options.filter(code="purple").exists()
