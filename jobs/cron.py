"""Configuration for ``rq cron``: registers every schedule of ``jobs.schedules``.

    rq cron jobs.cron --url "$REDIS_URL"
"""
import importlib

from rq import cron

from jobs.schedules import SCHEDULES


def _resolve(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


for schedule in SCHEDULES:
    cron.register(
        _resolve(schedule.func_path),
        queue_name=schedule.queue,
        interval=schedule.interval,
        cron=schedule.cron,
        name=schedule.func_path,
    )
