"""Exact money: ``Decimal`` amounts with their currency, stored as integers.

Storage. Every amount column is an ``Amount``: a BIGINT counting
ten-thousandths of the currency unit. Integers add and compare exactly in
SQLite and PostgreSQL alike; a NUMERIC column is not enough, because SQLite
keeps it as a binary float (there ``0.10 + 0.20 <= 0.30`` is false). Four
places hold the minor unit of every currency (at most three) and the
sub-cent unit prices of B2B price lists; a BIGINT holds up to 922 trillion.
The currency lives in a column of the same row (``currency``), so a stored
amount always knows it.

Input. ``parse_amount`` reads what a person typed, strictly, in their locale
(Babel): "12,50" is 12.50 in German and refused in English; "1.500,10" and
"1,500.10" are 1500.10 in their own locale. Anything else is refused with a
message: letters, exponents, NaN, digits of other scripts, a sign where none
is allowed, more decimals than the currency has (is "1,500" one and a half or
fifteen hundred?), and absurd sizes.

Output. ``format_money`` formats per locale ("1.500,10 €", "$1,500.10").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.core import Locale, UnknownLocaleError
from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    get_currency_precision,
    get_decimal_symbol,
    get_group_symbol,
    list_currencies,
    parse_decimal,
)
from sqlalchemy import BigInteger, TypeDecorator
from sqlalchemy.sql import operators

from models.base import DomainError

SCALE = 4
MAX_DIGITS = 12  # integer digits a typed amount may have: below one trillion
DEFAULT_LOCALE = "en_GB"


class CurrencyMismatch(ValueError):
    """Amounts of two currencies were added or compared."""


class Amount(TypeDecorator):
    """A ``Decimal`` stored exactly as a BIGINT of ten-thousandths."""

    impl = BigInteger
    cache_ok = True

    class Comparator(TypeDecorator.Comparator):
        """Sums and differences of amounts are amounts, so ``a + b == Decimal("0.30")`` scales the literal."""

        def _adapt_expression(self, op, other_comparator):
            if op in (operators.add, operators.sub) and isinstance(other_comparator.type, Amount):
                return op, self.type
            return super()._adapt_expression(op, other_comparator)

    comparator_factory = Comparator

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money is never a float; use Decimal")
        scaled = Decimal(value).scaleb(SCALE)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {SCALE} decimal places")
        return int(scaled)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(int(value)).scaleb(-SCALE)


def check_currency(code: str) -> str:
    """An ISO 4217 currency code Babel knows, upper case."""
    code = (code or "").strip().upper()
    if code not in list_currencies():
        raise DomainError(f"“{code}” is not a currency code such as EUR or USD.", "currency")
    return code


def check_locale(code: str) -> str:
    """A locale Babel knows, written as ``de_DE``."""
    try:
        return str(Locale.parse((code or "").strip().replace("-", "_")))
    except (ValueError, UnknownLocaleError):
        raise DomainError(f"“{code}” is not a locale such as de_DE or en_US.", "locale") from None


@dataclass(frozen=True)
class Money:
    """An amount in a currency; arithmetic and comparison only within one currency."""

    amount: Decimal
    currency: str

    def __post_init__(self):
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise TypeError("a Money amount is a finite Decimal")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} do not mix")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __mul__(self, factor) -> Money:
        if isinstance(factor, float):
            raise TypeError("money is never multiplied by a float")
        return Money(self.amount * Decimal(factor), self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    def rounded(self) -> Money:
        """Rounded half up to the currency's minor unit (cents; none for JPY)."""
        exponent = Decimal(1).scaleb(-get_currency_precision(self.currency))
        return Money(self.amount.quantize(exponent, rounding=ROUND_HALF_UP), self.currency)

    def format(self, locale: str = DEFAULT_LOCALE) -> str:
        return format_money(self, locale)

    def __str__(self) -> str:
        return self.format()


def format_money(money: Money | None, locale: str = DEFAULT_LOCALE) -> str:
    """"1.500,10 €" in German, "$1,500.10" in US English; "" for no amount."""
    if money is None:
        return ""
    return format_currency(money.rounded().amount, money.currency, locale=locale)


def example(locale: str) -> str:
    """How an amount is written in ``locale``: "1.500,50" or "1,500.50"."""
    return format_decimal(Decimal("1500.50"), format="#,##0.00", locale=locale)


def parse_amount(raw, *, locale: str, currency: str, label: str = "The amount", field: str | None = None,
                 allow_negative: bool = False, decimals: int | None = None) -> Decimal | None:
    """The amount a person typed in ``locale``, or None when blank; a ``DomainError`` says what is wrong."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    decimal_sign, group_sign = get_decimal_symbol(locale), get_group_symbol(locale)
    hint = f"write it like {example(locale)} (“{decimal_sign}” before the decimals)"
    unsigned = text[1:] if text[:1] in "-+" else text
    allowed = set("0123456789") | {decimal_sign, group_sign}
    if not unsigned or any(char not in allowed for char in unsigned):
        raise DomainError(f"{label}: “{text}” is not an amount; {hint}.", field)
    if text[0] == "-" and not allow_negative:
        raise DomainError(f"{label} must be zero or more.", field)
    try:
        amount = parse_decimal(unsigned, locale=locale, strict=True)
    except (NumberFormatError, InvalidOperation):
        raise DomainError(f"{label}: “{text}” is not written as amounts are here; {hint}.", field) from None
    places = max(-amount.as_tuple().exponent, 0)
    allowed_places = get_currency_precision(currency) if decimals is None else decimals
    if places > allowed_places:
        raise DomainError(
            f"{label}: “{text}” has {places} decimal places, but {currency} amounts have {allowed_places}; "
            f"{hint}.", field)
    if len(re.sub(r"\D", "", unsigned.split(decimal_sign)[0]).lstrip("0")) > MAX_DIGITS:
        raise DomainError(f"{label}: “{text}” is too large.", field)
    return -amount if text[0] == "-" else amount


LIMIT = Decimal("10000000000")  # budgets, spend limits and thresholds stay below ten billion


def check_limit(amount: Decimal | None, currency: str, label: str, field: str | None = None) -> Decimal | None:
    """A budget, spend limit or threshold in ``currency``: none, or zero or more and below ten billion."""
    if amount is None:
        return None
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise DomainError(f"{label} must be an amount.", field)
    if amount < 0 or amount >= LIMIT:
        raise DomainError(f"{label} must be zero or more and below 10 billion.", field)
    if amount != Money(amount, currency).rounded().amount:
        raise DomainError(f"{label} has more decimal places than {currency} amounts have.", field)
    return amount


def input_text(amount: Decimal | None, locale: str, currency: str) -> str:
    """An amount as a form field shows it for editing, in the person's locale ("1500,00", "1500.00")."""
    if amount is None:
        return ""
    places = get_currency_precision(currency)
    return format_decimal(amount, format="0" + ("." + "0" * places if places else ""), locale=locale)


def plain(amount: Decimal | None, currency: str) -> str | None:
    """An amount rounded to its currency, as text for the audit log ("1500.00"); None stays None."""
    return None if amount is None else str(Money(amount, currency).rounded().amount)
