"""RQ jobs (mail, schedules) and the queue set-up; see ``jobs.queue``."""
