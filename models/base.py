"""Shared column types, time helpers and the domain error."""
from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import CheckConstraint, DateTime, TypeDecorator


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores UTC and always returns aware datetimes, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)




class DomainError(Exception):
    """A business rule refused an operation; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotPermitted(DomainError):
    """The actor lacks the permission the operation needs."""


def apply_changes(row, values: dict) -> list[str]:
    """Set the values that differ on ``row``; the sorted names of those that changed (for the audit log)."""
    changed = sorted(field for field, value in values.items() if getattr(row, field) != value)
    for field in changed:
        setattr(row, field, values[field])
    return changed


def enum_check(column: str, enum_cls: type[enum.Enum], name: str) -> CheckConstraint:
    """A CHECK constraint that keeps a string column inside an enum's values."""
    values = ", ".join(f"'{member.value}'" for member in enum_cls)
    return CheckConstraint(f"{column} IN ({values})", name=name)


def enum_values(enum_cls: type[enum.Enum]) -> list[str]:
    return [member.value for member in enum_cls]
