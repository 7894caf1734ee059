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
