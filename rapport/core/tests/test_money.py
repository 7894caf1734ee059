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


AMOUNTS = ["0.00", "2.95", "-5.00", "1234567.89", "24.49", "999.995", "-1000"]
LOCALES = [("en", "GB"), ("zh-hans", "GB"), ("de", "DE"), ("fr", "FR"), ("en", "IN"), ("ar", "EG")]
CURRENCIES = ["GBP", "BRL", "EUR", "JPY", "CHF", "USD"]


@pytest.mark.parametrize("language,region", LOCALES)
@pytest.mark.parametrize("currency", CURRENCIES)
def test_money_is_written_as_babel_writes_it(language, region, currency, settings):
    """The fast formatter gives exactly Babel's text for every amount, locale and currency."""
    from babel.numbers import format_currency
    from django.utils import translation

    from rapport.core.money import babel_locale_name, format_money, to_money

    settings.RAPPORT_REGION = region
    with translation.override(language):
        locale = babel_locale_name()
        for raw in AMOUNTS:
            amount = to_money(raw)
            if currency == "JPY":
                amount = amount.quantize(Decimal(1))
            want = format_currency(amount, currency, locale=locale)
            assert format_money(amount, currency) == want, (locale, raw)


def test_money_in_english_and_chinese_pages(settings):
    from django.template import engines
    from django.utils import translation

    template = engines["django"].from_string(
        "{% load money %}{{ amount|money }} · {{ amount|money:'BRL' }} · {{ nothing|money }}"
    )
    context = {"amount": Decimal("1234.5"), "nothing": None}
    with translation.override("en"):
        assert template.render(context) == "£1,234.50 · R$1,234.50 · "
    with translation.override("zh-hans"):
        assert template.render(context) == "£1,234.50 · R$1,234.50 · "
    settings.RAPPORT_REGION = "DE"
    with translation.override("de"):
        assert template.render(context) == "1.234,50\xa0£ · 1.234,50\xa0R$ · "


def test_dates_are_written_one_way_per_language(settings):
    import datetime as dt

    from django.template import engines
    from django.utils import translation

    settings.TIME_ZONE = "Europe/London"
    template = engines["django"].from_string(
        "{% load dates %}{{ when|local_date }} | {{ when|local_datetime }} | {{ day|long_date }}"
        "{{ nothing|local_datetime }}"
    )
    context = {
        "when": dt.datetime(2026, 12, 6, 1, 5, tzinfo=dt.UTC),
        "day": dt.date(2026, 12, 20),
        "nothing": None,
    }
    with translation.override("en"):
        assert template.render(context) == (
            "6 Dec 2026 | 6 Dec 2026, 01:05 | Sunday, 20 December 2026"
        )
    with translation.override("zh-hans"):
        assert (
            template.render(context) == "2026年12月6日 | 2026年12月6日 01:05 | 2026年12月20日星期日"
        )
