"""Which locale a request reads and writes amounts in, and the ``money`` template filter.

The portal speaks its shop's locale ("1.500,00 €" in Atrium Germany); the back
office speaks ``BACKOFFICE_LOCALE`` (British English unless configured), so a
clerk types amounts the same way for every company.
"""
from __future__ import annotations

from decimal import Decimal

from flask import current_app, has_request_context, request

from models.money import DEFAULT_LOCALE, Money, example, format_money, input_text


def request_locale() -> str:
    if not has_request_context():
        return DEFAULT_LOCALE
    if request.path.startswith("/admin"):
        return current_app.config.get("BACKOFFICE_LOCALE", DEFAULT_LOCALE)
    from portal.signup import current_shop

    shop = current_shop()
    return shop.locale if shop is not None else DEFAULT_LOCALE


def money(value, currency: str | None = None, empty: str = "—") -> str:
    """Format a ``Money``, or an amount (``Decimal`` or its text, as the audit log keeps it) in ``currency``."""
    if value in (None, "", "None"):
        return empty
    if not isinstance(value, Money):
        value = Money(Decimal(str(value)), currency or "EUR")
    return format_money(value, request_locale())


def init_app(app) -> None:
    app.add_template_filter(money, "money")
    app.add_template_global(request_locale, "request_locale")
    app.add_template_global(lambda amount, currency: input_text(amount, request_locale(), currency), "amount_input")
    app.add_template_global(lambda: example(request_locale()), "amount_example")
