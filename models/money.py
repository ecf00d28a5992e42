"""Money amounts from form input."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from models.base import DomainError


def parse_amount(raw, label: str) -> Decimal | None:
    """A money amount from form input: blank means none; negative or malformed is refused."""
    if raw is None or str(raw).strip() == "":
        return None
    try:
        amount = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise DomainError(f"{label} must be an amount such as 1500.00.") from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("9999999999.99"):
        raise DomainError(f"{label} must be zero or more and below 10 billion.")
    return amount.quantize(Decimal("0.01"))
