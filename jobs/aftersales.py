"""After-sales' scheduled job: maintenance reminders.

It takes ``on`` (the day it runs for, today by default), so tests run it with a
controlled clock; it is safe to run again: an asset's due date is reminded of once.
"""
from __future__ import annotations

from datetime import date

from extensions import db
from jobs.queue import with_app_context
from jobs.runner import job
from models.assets import send_maintenance_reminders as remind
from models.base import utcnow


@job
@with_app_context
def send_maintenance_reminders(on=None) -> int:
    day = date.fromisoformat(on) if isinstance(on, str) else (on or utcnow().date())
    sent = remind(day)
    db.session.commit()
    return sent
