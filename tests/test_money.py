"""Money is exact: typed amounts are read strictly per locale, stored as integers, compared exactly in SQL."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from extensions import db
from models.base import DomainError
from models.money import Amount, CurrencyMismatch, Money, check_currency, check_locale, format_money, parse_amount
from models.users import CompanyUser
from tests import factories as f

D = Decimal

#: (typed, locale, amount or the start of the refusal)
TABLE = [
    ("12,50", "de_DE", D("12.50")),
    ("1.500,10", "de_DE", D("1500.10")),
    ("1.500", "de_DE", D("1500")),
    ("1,500.10", "en_US", D("1500.10")),
    ("1,500", "en_US", D("1500")),
    ("0.10", "en_GB", D("0.10")),
    ("  7  ", "en_GB", D("7")),
    ("12,50", "en_US", "Budget: “12,50” is not written as amounts are here; write it like 1,500.50"),
    ("1,500.10", "de_DE", "Budget: “1,500.10” is not written as amounts are here; write it like 1.500,50"),
    ("1,500", "de_DE", "Budget: “1,500” has 3 decimal places, but EUR amounts have 2"),
    ("1.500", "en_US", "Budget: “1.500” has 3 decimal places, but EUR amounts have 2"),
    ("1,5e3", "de_DE", "Budget: “1,5e3” is not an amount"),
    ("1,5e3", "en_US", "Budget: “1,5e3” is not an amount"),
    ("-0", "de_DE", "Budget must be zero or more."),
    ("-12,50", "de_DE", "Budget must be zero or more."),
    ("NaN", "en_US", "Budget: “NaN” is not an amount"),
    ("Infinity", "en_US", "Budget: “Infinity” is not an amount"),
    ("١٢٣", "en_US", "Budget: “١٢٣” is not an amount"),
    ("1" * 40, "en_US", "Budget: “" + "1" * 40 + "” is too large."),
    ("12,50 €", "de_DE", "Budget: “12,50 €” is not an amount"),
    ("--5", "en_US", "Budget: “--5” is not an amount"),
]


@pytest.mark.parametrize("typed,locale,expected", TABLE)
def test_typed_amounts_are_read_strictly_in_their_locale(typed, locale, expected):
    if isinstance(expected, Decimal):
        assert parse_amount(typed, locale=locale, currency="EUR", label="Budget") == expected
    else:
        with pytest.raises(DomainError) as refused:
            parse_amount(typed, locale=locale, currency="EUR", label="Budget")
        assert refused.value.message.startswith(expected)


def test_blank_is_no_amount_and_currencies_bring_their_decimals():
    assert parse_amount("  ", locale="de_DE", currency="EUR") is None
    assert parse_amount("1,500", locale="en_US", currency="JPY") == D("1500")
    with pytest.raises(DomainError, match="JPY amounts have 0"):
        parse_amount("15.50", locale="en_US", currency="JPY")
    assert parse_amount("1.005", locale="en_US", currency="BHD") == D("1.005")
    assert parse_amount("-5", locale="en_US", currency="EUR", allow_negative=True) == D("-5")


@pytest.mark.parametrize("amount,currency,locale,shown", [
    (D("1500.1"), "EUR", "de_DE", "1.500,10\xa0€"),
    (D("1500.1"), "USD", "en_US", "$1,500.10"),
    (D("1500.1"), "EUR", "en_GB", "€1,500.10"),
    (D("0.005"), "EUR", "en_GB", "€0.01"),  # half up
    (D("1500"), "JPY", "en_US", "¥1,500"),
])
def test_amounts_are_formatted_in_the_readers_locale(amount, currency, locale, shown):
    assert format_money(Money(amount, currency), locale) == shown


def test_money_adds_and_compares_within_one_currency_only():
    assert Money(D("0.10"), "EUR") + Money(D("0.20"), "EUR") == Money(D("0.30"), "EUR")
    assert Money(D("0.30"), "EUR") <= Money(D("0.10"), "EUR") + Money(D("0.20"), "EUR")
    assert Money(D("2.50"), "EUR") * 3 == Money(D("7.50"), "EUR")
    with pytest.raises(CurrencyMismatch):
        Money(D("1"), "EUR") + Money(D("1"), "USD")
    with pytest.raises(TypeError):
        Money(0.1, "EUR")
    with pytest.raises(TypeError):
        Money(D("1"), "EUR") * 0.5


def test_an_amount_column_never_takes_a_float_or_more_than_four_places():
    column = Amount()
    assert column.process_bind_param(D("1500.1"), None) == 15001000
    assert column.process_result_value(15001000, None) == D("1500.1")
    with pytest.raises(TypeError):
        column.process_bind_param(0.1, None)
    with pytest.raises(ValueError):
        column.process_bind_param(D("0.00001"), None)


def test_currency_and_locale_codes_are_checked():
    assert check_currency(" usd ") == "USD" and check_locale("de-DE") == "de_DE"
    with pytest.raises(DomainError, match="not a currency"):
        check_currency("EURO")
    with pytest.raises(DomainError, match="not a locale"):
        check_locale("xx_YY_ZZ")


def test_sums_compare_exactly_in_sql(app):
    """0.10 + 0.20 <= 0.30 in the database itself (a NUMERIC column on SQLite would say no)."""
    with app.app_context():
        ben, alice = f.user("ben.buyer@acme.example"), f.user("alice.approver@acme.example")
        ben.budget_amount, alice.budget_amount = D("0.10"), D("0.20")
        ben.order_spend_limit = D("0.20")
        db.session.flush()
        ids = [ben.id, alice.id]
        total = select(func.sum(CompanyUser.budget_amount)).where(CompanyUser.id.in_(ids)).scalar_subquery()
        assert db.session.scalar(select(total <= D("0.30"))) is True
        assert db.session.scalar(select(total == D("0.30"))) is True
        assert db.session.scalar(select(CompanyUser.id).where(
            CompanyUser.budget_amount + CompanyUser.order_spend_limit == D("0.30"))) == ben.id
        db.session.expire_all()
        assert f.user("ben.buyer@acme.example").budget == Money(D("0.10"), "EUR")


def test_a_company_takes_its_shops_currency_and_its_users_the_companys(app):
    from models.companies import Company

    with app.app_context():
        us = f.shop("atrium-us")
        company = Company(name="Initrode", shop=us)
        user = CompanyUser(email="i@initrode.example", first_name="I", last_name="R", company=company)
        db.session.add_all([company, user])
        db.session.flush()
        assert (company.currency, user.currency) == ("USD", "USD")
        assert f.user("anna.admin@acme.example").currency == "EUR"
