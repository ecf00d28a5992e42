"""The settings run.py hands to locust in ``LOAD_*`` environment variables, read once (see locustfile.py)."""
from __future__ import annotations

import os

MODE = os.environ.get("LOAD_MODE", "steady")
RESULT = os.environ.get("LOAD_RESULT", "")
PASSWORD = os.environ.get("LOAD_PASSWORD", "atrium-demo")
THINK = [float(v) for v in os.environ.get("LOAD_THINK", "0.5,1.5").split(",")]
WARMUP = float(os.environ.get("LOAD_WARMUP", "4"))
MEASURE = float(os.environ.get("LOAD_MEASURE", "15"))
SIGN_IN_TIMEOUT = float(os.environ.get("LOAD_SIGN_IN_TIMEOUT", "90"))
MAX_SECONDS = float(os.environ.get("LOAD_MAX_SECONDS", "330"))
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "1500000"))
STOP_AFTER = int(os.environ.get("LOAD_STOP_AFTER", "2"))
STEPS = [int(v) for v in os.environ.get("LOAD_STEPS", "15,22,33,50,75,110,160,240,360,540,800,1200,1800").split(",")]
# A window in which other work on the machine (not the app, PostgreSQL or locust) took more than this share of the
# CPU is measured again, up to LOAD_RETRIES times per window: someone's test suite on the same 2 cores skews it.
OTHER_LIMIT = float(os.environ.get("LOAD_OTHER_LIMIT", "15"))
RETRIES = int(os.environ.get("LOAD_RETRIES", "2"))
APP_PGID = int(os.environ.get("LOAD_APP_PGID") or 0) or None
DATABASE = os.environ.get("LOAD_DATABASE") or None  # PostgreSQL backends of other databases count as "other" CPU
