"""Ordering's scheduled jobs: recurring orders, their notices, and quotes past their date.

Each takes ``on`` (the day it runs for, today by default), so tests run them
with a controlled clock; each is safe to run again and at the same moment as
another run of itself (see ``models.recurring_runs``).
"""
from __future__ import annotations

from datetime import date

from extensions import db
from jobs.queue import with_app_context
from jobs.runner import job
from models.actors import SYSTEM
from models.quotes import expire_quotes as expire
from models.recurring_runs import run_due, send_notices


def _day(on) -> date | None:
    return date.fromisoformat(on) if isinstance(on, str) else on


@job
@with_app_context
def run_recurring_orders(on=None) -> dict:
    """Place the orders recurring orders have due; the numbers placed and the ones waiting for review."""
    report = run_due(_day(on), actor=SYSTEM)
    db.session.commit()
    return {"placed": report.placed, "review": report.review, "skipped": report.skipped}


@job
@with_app_context
def send_recurring_notices(on=None) -> int:
    sent = send_notices(_day(on))
    db.session.commit()
    return sent


@job
@with_app_context
def expire_quotes(on=None) -> int:
    expired = expire(_day(on))
    db.session.commit()
    return expired
