from decimal import Decimal

import pytest

from rapport.core.money import MoneyError, line_total, to_money


def test_to_money_rounds_half_up_to_cents():
    assert to_money("2.345") == Decimal("2.35")
    assert to_money(3) == Decimal("3.00")


@pytest.mark.parametrize("bad", [0.1, "abc", "NaN", "Infinity", None])
def test_to_money_refuses_what_is_not_money(bad):
    with pytest.raises(MoneyError):
        to_money(bad)


def test_line_total_is_exact():
    assert line_total(Decimal("0.85"), 12) == Decimal("10.20")


AMOUNTS = ["0.00", "2.95", "-5.00", "1234567.89", "24.49"]


@pytest.mark.parametrize("language", ["en", "zh-hans", "de"])
@pytest.mark.parametrize("grouping", [False, True])
def test_money_prints_what_the_template_would(language, grouping, settings):
    from django.template import engines
    from django.utils import translation

    settings.USE_THOUSAND_SEPARATOR = grouping
    plain = engines["django"].from_string("{{ amount }}")
    filtered = engines["django"].from_string("{% load money %}{{ amount|money }}")
    with translation.override(language):
        for raw in AMOUNTS:
            amount = Decimal(raw)
            assert filtered.render({"amount": amount}) == plain.render({"amount": amount})
    with translation.override("de"):
        assert filtered.render({"amount": Decimal("2.95")}) == "2,95"
