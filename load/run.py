"""Production-shaped load test: Atrium on gunicorn + PostgreSQL + Redis at profile L, beside the bare app.

    .venv/bin/python load/run.py                      # everything, ~10-15 minutes on 2 cores
    .venv/bin/python load/run.py --quick              # a smoke run of the whole pipeline (~2 minutes)
    .venv/bin/python load/run.py --database-url postgresql://postgres@127.0.0.1/other_db

Steps: make sure the PostgreSQL database holds profile L (create and seed it when it is missing or empty),
list the account admins the portal users sign in as, start Atrium under gunicorn, capture the pages of the
mix for the bare app, ramp Atrium to its break point (``rules.py``), run it steady at 80 % of it, stop it;
start the bare app under the same gunicorn settings, ramp it, run it steady at 80 % of its own break point,
stop it. Results: ``load/results/L-postgresql.{md,json}``; the raw locust CSVs, logs and the captured pages
stay in ``load/work/`` and ``load/captured/`` (not kept in the repository).

Only 127.0.0.1 is ever a target. Every run is bounded in time (locust's own bounds, and a hard timeout
here) and in requests (``LOAD_MAX_REQUESTS``). Every process started here runs in its own process group and
is stopped (the whole group) in a ``finally``, also on Ctrl+C or SIGTERM.
"""
from __future__ import annotations

import argparse
import json
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the modules beside this file

from capture import capture, compare_sizes  # noqa: E402
from common import CAPTURED, DEFAULT_DATABASE, DEFAULT_REDIS, LOCUST, RESULTS, WORK, say  # noqa: E402
from database import list_portal_accounts, prepare_database  # noqa: E402
from processes import free_port, start_gunicorn, stop, wait_ready  # noqa: E402
from report import markdown, meta, summarize, summary_table  # noqa: E402
from runs import measure_app  # noqa: E402


def main() -> int:
    args = parse_args()
    started = time.time()
    WORK.mkdir(exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    if not LOCUST.exists():
        sys.exit(f"{LOCUST} is missing: python3 -m venv .venv-load && .venv-load/bin/pip install locust==2.47.0")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks below
    processes: list[subprocess.Popen] = []
    try:
        database = prepare_database(args)
        args.database_name = urllib.parse.urlsplit(database).path.lstrip("/")
        accounts = list_portal_accounts(database, args.portal_accounts)
        say(f"{len(accounts)} portal accounts (account admins, one per company) in {WORK / 'portal_users.csv'}")
        results = {"meta": meta(args, database), "apps": {}}
        secret = secrets.token_urlsafe(48)
        results["apps"]["atrium"] = run_atrium(database, accounts, secret, args, processes)
        results["meta"]["page_sizes"], results["apps"]["bare"] = run_bare(accounts, secret, args, processes)
        write_results(results, args, started)
        return 0
    finally:
        for process in processes:
            stop(process)


def run_atrium(database: str, accounts: list[str], secret: str, args, processes: list[subprocess.Popen]) -> dict:
    """Start Atrium under gunicorn, capture its pages for the bare app, ramp it, run it steady, stop it."""
    atrium_env = {"DATABASE_URL": database, "REDIS_URL": args.redis_url, "SECRET_KEY": secret,
                  # every simulated user signs in from 127.0.0.1: the per-address limit of failed sign-ins
                  # must not refuse them (successful sign-ins give their slot back; this is a safety margin)
                  "LOGIN_MAX_FAILURES_PER_IP": "1000000", "MAIL_SERVER": "",
                  "PUBLIC_URL": "http://127.0.0.1"}
    port = free_port()
    atrium = start_gunicorn("atrium", "app:create_app()", port, args.workers, atrium_env, processes)
    host = f"http://127.0.0.1:{port}"
    wait_ready(host, atrium)
    capture(host, accounts, args)
    measured = measure_app("atrium", host, atrium, args)
    stop(atrium)
    return measured


def run_bare(accounts: list[str], secret: str, args, processes: list[subprocess.Popen]) -> tuple[dict, dict]:
    """Start the bare app under the same settings, check its page sizes, ramp it, run it steady, stop it."""
    port = free_port()
    bare = start_gunicorn("bare", "load.bare_app:create_app()", port, args.workers,
                          {"SECRET_KEY": secret, "BARE_CAPTURED": str(CAPTURED)}, processes)
    host = f"http://127.0.0.1:{port}"
    wait_ready(host, bare)
    page_sizes = compare_sizes(host, accounts[0])
    measured = measure_app("bare", host, bare, args)
    stop(bare)
    return page_sizes, measured


def write_results(results: dict, args, started: float) -> None:
    """The summary, then ``<name>.{json,md}`` in load/results/ (load/work/ for --quick), and the table."""
    results["summary"] = summarize(results["apps"])
    results["meta"]["minutes"] = round((time.time() - started) / 60, 1)
    name = args.name or "L-postgresql"
    folder = WORK if args.quick else RESULTS  # a smoke run does not replace the results
    (folder / f"{name}.json").write_text(json.dumps(results, indent=1))
    (folder / f"{name}.md").write_text(markdown(results))
    say(f"Done in {results['meta']['minutes']} minutes: {folder / (name + '.md')}")
    print(summary_table(results), flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help=f"PostgreSQL database (default {DEFAULT_DATABASE}, "
                        "created and seeded with profile L when missing or empty)")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers, the same for both apps")
    parser.add_argument("--portal-accounts", type=int, default=100, help="account admins the portal users sign in as")
    parser.add_argument("--steps", default="15,22,33,50,75,110,160,240,360,540,800,1200,1800",
                        help="users per ramp step (each about 1.5x the one before)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds after a step's sign-ins before measuring")
    parser.add_argument("--measure", type=float, default=12, help="seconds measured per ramp step")
    parser.add_argument("--steady-measure", type=float, default=60, help="seconds measured in the steady run")
    parser.add_argument("--think", default="0.5,1.5", help="think time between pages, min,max seconds")
    parser.add_argument("--ramp-max-seconds", type=float, default=360, help="bound of one ramp")
    parser.add_argument("--wait-quiet", type=float, default=600,
                        help="seconds to wait in all (before the runs) for other work on the machine to end")
    parser.add_argument("--quiet-below", type=float, default=15, help="busy %% of both cores that counts as quiet")
    parser.add_argument("--name", default="", help="results file name (default L-postgresql)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run of the whole pipeline")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.warmup, args.measure, args.steady_measure = "4,6,9", 2, 5, 8
        args.portal_accounts, args.ramp_max_seconds = min(args.portal_accounts, 8), 90
        args.name = args.name or "quick"
    return args


if __name__ == "__main__":
    sys.exit(main())
