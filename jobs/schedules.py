"""The schedules, declared once: ``rq cron jobs.cron`` registers them in
production and ``flask serve`` runs them in process for the embedded default."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Schedule:
    func_path: str
    queue: str
    interval: int | None = None  # seconds
    cron: str | None = None  # crontab expression


SCHEDULES: tuple[Schedule, ...] = (
    Schedule("jobs.runner.sweep_follow_ups", "periodic", interval=300),
    Schedule("jobs.mail.resend_pending_mail", "periodic", interval=300),
    Schedule("jobs.maintenance.purge_expired_security_rows", "periodic", cron="17 3 * * *"),
    Schedule("jobs.ordering.run_recurring_orders", "periodic", interval=3600),
    Schedule("jobs.ordering.send_recurring_notices", "periodic", interval=3600),
    Schedule("jobs.ordering.expire_quotes", "periodic", interval=3600),
    Schedule("jobs.aftersales.send_maintenance_reminders", "periodic", cron="7 6 * * *"),
)
