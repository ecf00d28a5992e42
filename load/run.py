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
import csv
import http.cookiejar
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

LOAD = Path(__file__).resolve().parent
ROOT = LOAD.parent
WORK = LOAD / "work"
CAPTURED = LOAD / "captured"
RESULTS = LOAD / "results"
VENV = ROOT / ".venv"
LOCUST = ROOT / ".venv-load" / "bin" / "locust"
sys.path.insert(0, str(LOAD))

import rules  # noqa: E402

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1/atrium_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
PASSWORD = "atrium-demo"  # demo.DEMO_PASSWORD: every seeded account's
STAFF = ["admin@atrium.example", "support@atrium.example"]
PROFILE_USERS = 20_000  # company users profile L adds (on top of the five demo users)
PORTAL_PAGES = [("home", "/"), ("account", "/account"), ("users", "/account/users"),
                ("users_search", "/account/users?q=anna"), ("user_detail", None), ("audit", "/account/audit"),
                ("invitations", "/account/invitations"), ("addresses", "/account/addresses"),
                ("company", "/account/company"), ("roles", "/account/roles")]
STAFF_PAGES = [("admin_home", "/admin/"), ("admin_users", "/admin/company_users/"),
               ("admin_users_search", "/admin/company_users/?search=anna"), ("admin_user_edit", None),
               ("admin_companies", "/admin/companies/"), ("admin_company_details", None),
               ("admin_audit", "/admin/audit/"), ("admin_applications", "/admin/applications/")]
LOG_PROBLEMS = re.compile(r"Traceback|\[ERROR\]|\[CRITICAL\]|WORKER TIMEOUT|Exception on|OperationalError|"
                          r"Worker .* (was sent|exited)|Error:", re.I)


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
        results["apps"]["atrium"] = measure_app("atrium", host, atrium, args)
        stop(atrium)

        port = free_port()
        bare = start_gunicorn("bare", "load.bare_app:create_app()", port, args.workers,
                              {"SECRET_KEY": secret, "BARE_CAPTURED": str(CAPTURED)}, processes)
        host = f"http://127.0.0.1:{port}"
        wait_ready(host, bare)
        results["meta"]["page_sizes"] = compare_sizes(host, accounts[0])
        results["apps"]["bare"] = measure_app("bare", host, bare, args)
        stop(bare)

        results["summary"] = summarize(results["apps"])
        results["meta"]["minutes"] = round((time.time() - started) / 60, 1)
        name = args.name or "L-postgresql"
        folder = WORK if args.quick else RESULTS  # a smoke run does not replace the results
        (folder / f"{name}.json").write_text(json.dumps(results, indent=1))
        (folder / f"{name}.md").write_text(markdown(results))
        say(f"Done in {results['meta']['minutes']} minutes: {folder / (name + '.md')}")
        print(summary_table(results), flush=True)
        return 0
    finally:
        for process in processes:
            stop(process)


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


def say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


# --- the database --------------------------------------------------------------------------------------------

def prepare_database(args) -> str:
    """The database URL, holding profile L: created and seeded here when missing or empty."""
    import psycopg

    url = args.database_url or DEFAULT_DATABASE
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
        sys.exit(f"{url}: the load test runs on this machine only (127.0.0.1)")
    name = parts.path.lstrip("/")
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if not connection.execute("select 1 from pg_database where datname = %s", (name,)).fetchone():
            if args.database_url:
                sys.exit(f"Database {name} does not exist")
            say(f"Creating database {name}")
            connection.execute(f'create database "{name}"')
    with psycopg.connect(url) as connection:
        has_table = connection.execute("select to_regclass('public.company_users')").fetchone()[0]
        users = connection.execute("select count(*) from company_users").fetchone()[0] if has_table else 0
    if users >= PROFILE_USERS:
        say(f"Database {name} holds profile L ({users:,} company users)")
        return url
    if users:
        sys.exit(f"Database {name} holds {users} company users, not profile L: pass an empty database "
                 "(--database-url) or drop this one")
    say(f"Seeding profile L into {name} (flask seed-profile L, ~30 s)")
    env = dict(os.environ, FLASK_APP="app:create_app", DATABASE_URL=url, REDIS_URL="", MAIL_SERVER="",
               SECRET_KEY=secrets.token_urlsafe(48))
    subprocess.run([str(VENV / "bin" / "flask"), "seed-profile", "L"], cwd=ROOT, env=env, check=True, timeout=600,
                   stdout=subprocess.DEVNULL)
    return url


def list_portal_accounts(database: str, count: int) -> list[str]:
    """Account admins who can sign in (active, confirmed, active company, an enabled shop), one per company:
    the four big companies first (Acme's demo admin among them), then a fixed random spread of the rest."""
    import psycopg

    query = """
        with admins as (
            select distinct on (c.id) u.email, c.id as company_id, c.name,
                   (select count(*) from company_users m where m.company_id = c.id) as company_users
            from company_users u
            join companies c on c.id = u.company_id and c.status = 'active'
            join user_roles ur on ur.user_id = u.id
            join roles r on r.id = ur.role_id and r.key = 'account_admin'
            where u.active and not u.confirmation_pending and u.password_hash is not null
              and exists (select 1 from shop_assignments s where s.user_id = u.id and s.state = 'enabled')
            order by c.id, (u.email = 'anna.admin@acme.example') desc, u.id
        )
        select email, company_id, name, company_users from admins
        order by (company_users >= 1000) desc, md5(company_id::text) limit %s"""
    with psycopg.connect(database) as connection:
        rows = connection.execute(query, (count,)).fetchall()
    with open(WORK / "portal_users.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "company_id", "company", "company_users"])
        writer.writerows(rows)
    return [row[0] for row in rows]


def meta(args, database: str) -> dict:
    import psycopg

    with psycopg.connect(database) as connection:
        postgres = connection.execute("show server_version").fetchone()[0]
        counts = {table: connection.execute(f"select count(*) from {table}").fetchone()[0]
                  for table in ("companies", "company_users", "audit_events", "invitations", "company_applications")}
    try:
        import redis

        redis_version = redis.Redis.from_url(args.redis_url).info("server")["redis_version"]
    except Exception as error:  # reported, not fatal: Atrium keeps answering pages without Redis
        redis_version = f"unreachable ({error})"
    versions = subprocess.run([str(LOCUST), "--version"], capture_output=True, text=True).stdout.split()
    return {
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "commit": commit(),
        "machine": machine(), "python": platform.python_version(), "postgresql": postgres, "redis": redis_version,
        "gunicorn": subprocess.run([str(VENV / "bin" / "gunicorn"), "--version"], capture_output=True,
                                   text=True).stdout.strip(),
        "locust": versions[1] if len(versions) > 1 else "?",
        "database": urllib.parse.urlsplit(database).path.lstrip("/"), "rows": counts,
        "workers": args.workers, "gunicorn_settings": " ".join(gunicorn_settings(args.workers, "PORT")),
        "steps": [int(v) for v in args.steps.split(",")], "think_seconds": args.think, "warmup_seconds": args.warmup,
        "measure_seconds": args.measure, "steady_measure_seconds": args.steady_measure,
        "portal_accounts": args.portal_accounts, "staff_accounts": STAFF,
        "rules": {"p95_limit_ms": rules.P95_LIMIT_MS, "scaling": rules.SCALING, "steady_share": rules.STEADY_SHARE},
    }


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 platform.processor())
    memory = int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal"))) / 1024 ** 2
    return f"{model}, {os.cpu_count()} cores, {memory:.1f} GB RAM, {platform.platform()}"


def commit() -> str:
    """The checked-out commit, read from .git (no git command is run)."""
    try:
        head = (ROOT / ".git" / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:7]
        ref = head[5:]
        path = ROOT / ".git" / ref
        if path.exists():
            return path.read_text().strip()[:7]
        for line in (ROOT / ".git" / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0][:7]
    except OSError:
        pass
    return "?"


# --- processes -------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_settings(workers: int, port) -> list[str]:
    """The same for Atrium and the bare app: sync workers, loopback only, no access log, no control socket."""
    return ["-w", str(workers), "-k", "sync", "-b", f"127.0.0.1:{port}", "--timeout", "30",
            "--graceful-timeout", "5", "--no-control-socket", "--log-level", "info"]


def start_gunicorn(name: str, target: str, port: int, workers: int, env: dict,
                   processes: list[subprocess.Popen]) -> subprocess.Popen:
    log = open(WORK / f"{name}-gunicorn.log", "w")
    process = subprocess.Popen([str(VENV / "bin" / "gunicorn"), *gunicorn_settings(workers, port), target],
                               cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    process.log_path = log.name
    processes.append(process)
    say(f"{name}: gunicorn {' '.join(gunicorn_settings(workers, port))} {target} (pid {process.pid})")
    return process


def stop(process: subprocess.Popen) -> None:
    """Stop a process started here and its whole process group: SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is not None:
        _kill_group(process.pid, signal.SIGKILL)  # leftovers of the group, if any
        return
    _kill_group(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    _kill_group(process.pid, signal.SIGKILL)


def _kill_group(pgid: int, sig) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def wait_ready(host: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn stopped (exit {process.returncode}): see {process.log_path}")
        try:
            with urllib.request.urlopen(f"{host}/login", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"{host} did not answer within {timeout:.0f} s: see {process.log_path}")


# --- capturing the pages for the bare app ----------------------------------------------------------------------

class Browser:
    """One visitor with a cookie jar who sees redirects instead of following them."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, host: str):
        self.host = host
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  self._NoRedirect)

    def open(self, path: str, fields: dict | None = None) -> tuple[int, str, str]:
        """(status, Location, body)."""
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        try:
            with self.opener.open(urllib.request.Request(self.host + path, data=data), timeout=60) as answer:
                return answer.status, answer.headers.get("Location", ""), answer.read().decode()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers.get("Location", ""), answer.read().decode(errors="replace")

    def sign_in(self, path: str, email: str) -> None:
        status, _, page = self.open(path)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if status != 200 or not token:
            raise RuntimeError(f"{path}: HTTP {status}, no sign-in form")
        status, where, _ = self.open(path, {"email": email, "password": PASSWORD, "csrf_token": token.group(1)})
        if status != 302 or "login" in where:
            raise RuntimeError(f"{email} could not sign in at {path}: HTTP {status} {where}")

    def page(self, path: str) -> str:
        status, where, body = self.open(path)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status} {where}")
        return body


TOKENS = re.compile(r'(?P<csrf_at>name="csrf_token"[^>]*?value=")(?P<csrf>[^"]*)"|(?P<nonce_at>nonce=")(?P<nonce>[^"]*)"')


def to_template(html: str) -> str:
    """The captured page as a Jinja template: literal text, with the CSRF token and the CSP nonce put in per request."""
    if "{% endraw" in html or "{%- endraw" in html:
        raise RuntimeError("a captured page holds '{% endraw', which the template wrapping cannot carry")
    parts, position = [], 0
    for found in TOKENS.finditer(html):
        group = "csrf" if found.group("csrf") is not None else "nonce"
        parts.append("{% raw %}" + html[position:found.start(group)] + "{% endraw %}")
        parts.append("{{ " + group + " }}")
        position = found.end(group)
    parts.append("{% raw %}" + html[position:] + "{% endraw %}")
    return "".join(parts)


def capture(host: str, accounts: list[str], args) -> None:
    """Sign in as each account once and keep the HTML of every page of the mix (for the bare app)."""
    say(f"Capturing the pages of {len(accounts)} portal and {len(STAFF)} staff accounts for the bare app")
    started = time.time()
    if CAPTURED.exists():
        for old in sorted(CAPTURED.rglob("*"), reverse=True):
            old.unlink() if old.is_file() else old.rmdir()
    CAPTURED.mkdir(exist_ok=True)
    manifest = {"portal": {}, "staff": {}, "login": {}}

    sizes = {}

    def save(relative: str, html: str) -> str:
        path = CAPTURED / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_template(html))
        sizes[relative] = len(html.encode())
        return relative

    manifest["login"]["portal"] = save("login/portal.html", Browser(host).page("/login"))
    manifest["login"]["staff"] = save("login/staff.html", Browser(host).page("/admin/login/"))

    def portal(item):
        index, email = item
        browser, pages = Browser(host), {}
        browser.sign_in("/login", email)
        for key, path in PORTAL_PAGES:
            if key == "user_detail":
                ids = re.findall(r'href="/account/users/(\d+)"', browser.page("/account/users"))
                path = f"/account/users/{ids[0]}"
            pages[key] = save(f"portal/{index:03d}/{key}.html", browser.page(path))
        return email, pages

    def staff(item):
        index, email = item
        browser, pages = Browser(host), {}
        browser.sign_in("/admin/login/", email)
        for key, path in STAFF_PAGES:
            if key == "admin_user_edit":
                path = "/admin/company_users/edit/?id=" + re.findall(
                    r"/admin/company_users/edit/\?id=(\d+)", browser.page("/admin/company_users/"))[0]
            elif key == "admin_company_details":
                path = "/admin/companies/details/?id=" + re.findall(
                    r"/admin/companies/details/\?id=(\d+)", browser.page("/admin/companies/"))[0]
            pages[key] = save(f"staff/{index:03d}/{key}.html", browser.page(path))
        return email, pages

    with ThreadPoolExecutor(4) as pool:
        manifest["portal"] = dict(pool.map(portal, enumerate(accounts)))
        manifest["staff"] = dict(pool.map(staff, enumerate(STAFF)))
    (CAPTURED / "manifest.json").write_text(json.dumps(manifest, indent=1))
    (CAPTURED / "sizes.json").write_text(json.dumps(sizes, indent=1))
    files = list(CAPTURED.rglob("*.html"))
    size = sum(f.stat().st_size for f in files)
    say(f"Captured {len(files)} pages ({size / 1024 / 1024:.1f} MB) in {time.time() - started:.0f} s")


def compare_sizes(host: str, portal_account: str) -> dict:
    """The bare app's pages against Atrium's, byte for byte in length, for one portal and one staff account."""
    manifest = json.loads((CAPTURED / "manifest.json").read_text())
    sizes = json.loads((CAPTURED / "sizes.json").read_text())
    differences = {}
    for kind, email, login, pages in (("portal", portal_account, "/login", PORTAL_PAGES),
                                      ("staff", STAFF[0], "/admin/login/", STAFF_PAGES)):
        browser = Browser(host)
        browser.sign_in(login, email)
        for key, path in pages:
            path = path or {"user_detail": "/account/users/1", "admin_user_edit": "/admin/company_users/edit/?id=1",
                            "admin_company_details": "/admin/companies/details/?id=1"}[key]
            got = len(browser.page(path).encode())
            differences[f"{kind} {key}"] = got - sizes[manifest[kind][email][key]]
    worst = max(differences.values(), key=abs)
    say(f"Bare app pages vs Atrium's: largest difference in length {worst} bytes over {len(differences)} pages")
    return {"largest_difference_bytes": worst, "pages_compared": len(differences), "differences": differences}


# --- the runs ----------------------------------------------------------------------------------------------------

def run_locust(label: str, host: str, app: subprocess.Popen, args, mode: str, users: int = 0) -> dict:
    """One headless locust run against ``host`` (loopback only); its result JSON (see locustfile.py)."""
    if not host.startswith("http://127.0.0.1:"):
        raise RuntimeError(f"{host}: only 127.0.0.1 is a target")
    result = WORK / f"{label}.json"
    result.unlink(missing_ok=True)
    env = {**os.environ, "LOAD_MODE": mode, "LOAD_RESULT": str(result), "LOAD_STEPS": args.steps,
           "LOAD_WARMUP": str(args.warmup), "LOAD_THINK": args.think,
           "LOAD_MEASURE": str(args.measure if mode == "ramp" else args.steady_measure),
           "LOAD_MAX_SECONDS": str(args.ramp_max_seconds), "LOAD_PORTAL_USERS": str(WORK / "portal_users.csv"),
           "LOAD_STAFF_USERS": ",".join(STAFF), "LOAD_APP_PGID": str(app.pid), "LOAD_HOST_LABEL": label,
           "LOAD_PASSWORD": PASSWORD, "LOAD_DATABASE": args.database_name}
    command = [str(LOCUST), "-f", str(LOAD / "locustfile.py"), "--headless", "--host", host,
               "--csv", str(WORK / label), "--only-summary", "--exit-code-on-error", "0", "--stop-timeout", "5"]
    if mode == "ramp":
        bound = args.ramp_max_seconds + 90
    else:
        rate = min(100, max(5, round(users / 5)))
        run_time = 90 + args.warmup + args.steady_measure + 20  # sign-ins, warm-up, window; the window ends it
        command += ["-u", str(users), "-r", str(rate), "-t", f"{run_time:.0f}s"]
        bound = run_time + 60
    quiet = wait_quiet(args)
    say(f"{label}: locust {mode}" + (f" {users} users" if users else f" steps {args.steps}") + f" against {host}")
    with open(WORK / f"{label}.log", "w") as log:
        process = subprocess.Popen(command, cwd=LOAD, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            process.wait(timeout=bound)
        except subprocess.TimeoutExpired:
            say(f"{label}: locust passed its {bound:.0f} s bound, stopped")
        finally:
            stop(process)
    if app.poll() is not None:
        raise RuntimeError(f"gunicorn stopped during {label}: see {app.log_path}")
    if not result.exists():
        raise RuntimeError(f"{label}: locust wrote no result, see {WORK / (label + '.log')}")
    data = json.loads(result.read_text())
    data["machine_busy_before_pct"] = quiet
    data["locust_warnings"] = sorted({line.split("/WARNING/")[-1].strip()[:200] for line in
                                      open(WORK / f"{label}.log", errors="replace") if "WARNING" in line})[:10]
    return data


def wait_quiet(args) -> float:
    """Wait (up to ``--wait-quiet`` seconds in all, over the whole run) until the machine is nearly idle before a run: another job on the
    2 cores (someone's test suite or benchmark) would take CPU from the app and the load generator alike.
    Returns the busy share (% of both cores) measured last."""
    import procstat

    started = time.time()
    deadline, busy = started + args.wait_quiet, 100.0
    while True:
        before = procstat.machine_seconds()
        time.sleep(3)
        after = procstat.machine_seconds()
        busy = 100 * (after[0] - before[0]) / max(1e-9, after[1] - before[1])
        if busy <= args.quiet_below or time.time() >= deadline:
            break
        say(f"The machine is {busy:.0f} % busy with other work; waiting for it to calm down "
            f"(up to {deadline - time.time():.0f} s more)")
        time.sleep(7)
    args.wait_quiet = max(0.0, args.wait_quiet - (time.time() - started))
    if busy > args.quiet_below:
        say(f"Still {busy:.0f} % busy: running anyway (the report shows the CPU taken by other work)")
    return round(busy, 1)


def measure_app(name: str, host: str, app: subprocess.Popen, args) -> dict:
    ramp = run_locust(f"{name}-ramp", host, app, args, "ramp")
    steps = [w for w in ramp["windows"] if w["label"].startswith("step")]
    point, why = rules.break_point(steps)
    for step in steps:
        say(f"  {name} {step['users']:>5} users: {step['rps']:7.1f} req/s  p50 {step['p50_ms']:6.1f} ms  "
            f"p95 {step['p95_ms']:7.1f} ms  errors {step['errors']}  cpu {step['cpu_pct']}"
            + ("" if step.get("holds", True) else f"  (does not hold: {step['why_not']})"))
    users = rules.steady_users(point, steps[0]["users"] if steps else 1)
    say(f"{name}: break point {point['users'] if point else 'none'} users ({why or 'every step held'}); "
        f"steady run at {users}")
    steady = run_locust(f"{name}-steady", host, app, args, "steady", users)
    window = steady_window(steady) or {}
    say(f"  {name} steady {users} users: {window.get('rps')} req/s  p50 {window.get('p50_ms')} ms  "
        f"p95 {window.get('p95_ms')} ms  errors {window.get('errors')}")
    return {"ramp": ramp, "break_point": point, "break_reason": why, "steady": steady, "log": scan_log(app)}


def steady_window(steady: dict) -> dict | None:
    """The steady run's window (a disturbed one, measured again, is left out)."""
    return next((w for w in steady["windows"] if w["label"] == "steady"), None)


def scan_log(app: subprocess.Popen) -> dict:
    """Problems the gunicorn log shows (tracebacks, worker timeouts, errors): counts and the first lines."""
    lines = Path(app.log_path).read_text(errors="replace").splitlines()
    problems = [line for line in lines if LOG_PROBLEMS.search(line)]
    return {"path": str(Path(app.log_path).relative_to(ROOT)), "lines": len(lines), "problems": len(problems),
            "first_problems": list(dict.fromkeys(problems))[:15]}


# --- the report ------------------------------------------------------------------------------------------------

def summarize(apps: dict) -> dict:
    def row(app, which):
        data = apps[app]
        if which == "break":
            step = data["break_point"] or {}
        else:
            step = steady_window(data["steady"]) or {}
        return {"app": app, "run": which, "users": step.get("users"), "rps": step.get("rps"),
                "p50_ms": step.get("p50_ms"), "p95_ms": step.get("p95_ms"), "error_pct": step.get("error_pct"),
                "errors": step.get("errors"), "requests": step.get("requests"), "cpu_pct": step.get("cpu_pct")}

    rows = [row(app, which) for app in ("atrium", "bare") for which in ("break", "steady")]
    by = {(r["app"], r["run"]): r for r in rows}

    def ratio(run):
        a, b = by[("atrium", run)]["rps"], by[("bare", run)]["rps"]
        return round(100 * a / b, 1) if a and b else None

    errors_all = {app: sum(e["count"] for e in apps[app]["ramp"]["errors"] + apps[app]["steady"]["errors"])
                  for app in apps}
    atrium_steady = by[("atrium", "steady")]
    return {
        "rows": rows,
        "throughput_ratio_at_break_pct": ratio("break"),
        "throughput_ratio_steady_pct": ratio("steady"),
        "errors_all_runs": errors_all,
        "targets": {
            "atrium_throughput_ge_40pct_of_bare": (ratio("break") or 0) >= 40,
            "atrium_p95_le_100ms_at_80pct": (atrium_steady["p95_ms"] or 1e9) <= 100,
            "atrium_zero_errors": errors_all["atrium"] == 0,
        },
    }


def _cpu(cpu: dict | None) -> str:
    if not cpu:
        return ""
    return f"{cpu['app']:.0f} / {cpu['postgres']:.0f} / {cpu['load']:.0f} / {cpu['other']:.0f} / {cpu['idle']:.0f}"


def summary_table(results: dict) -> str:
    lines = ["| app | run | users | requests/s | p50 ms | p95 ms | error % | CPU % app / PostgreSQL / locust / other / idle |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in results["summary"]["rows"]:
        run = "break point (ramp step)" if r["run"] == "break" else "steady, 80 % of break point"
        lines.append(f"| {r['app']} | {run} | {r['users']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} | "
                     f"{r['error_pct']} | {_cpu(r['cpu_pct'])} |")
    return "\n".join(lines)


def holds_text(step: dict) -> str:
    if step["label"].startswith("disturbed"):
        return "not judged: other work took the CPU, measured again"
    return "yes" if step.get("holds") else "no: " + step.get("why_not", "")


def markdown(results: dict) -> str:
    meta, summary, apps = results["meta"], results["summary"], results["apps"]
    targets = summary["targets"]
    yes = {True: "met", False: "**missed**"}
    out = [
        f"# Atrium load test: profile L on PostgreSQL {meta['postgresql']} + Redis {meta['redis']} "
        f"({meta['date']}, commit {meta['commit']})",
        "",
        f"Machine: {meta['machine']}, Python {meta['python']}. Load generator (locust {meta['locust']}) on the same "
        "machine, loopback only.  ",
        f"Server: {meta['gunicorn']}, the same settings for both apps: `gunicorn {meta['gunicorn_settings']}` "
        f"({meta['workers']} sync workers on 2 cores: a worker waiting on PostgreSQL leaves the core to another).  ",
        f"Data: database `{meta['database']}`, " + ", ".join(f"{k} {v:,}" for k, v in meta["rows"].items()) + ".  ",
        f"Mix: 80 % portal users (account admins of {meta['portal_accounts']} companies, the four big ones first), "
        f"20 % staff ({', '.join(meta['staff_accounts'])}); each signs in once, then browses, searches and opens "
        f"details with {meta['think_seconds'].replace(',', '-')} s think time. Ramp steps {meta['steps']} users; each "
        f"step measured {meta['measure_seconds']:.0f} s once all its users signed in (+{meta['warmup_seconds']:.0f} s "
        f"warm-up); steady runs measured {meta['steady_measure_seconds']:.0f} s. Whole run: {meta.get('minutes')} min.",
        "",
        "Bare app: no database, no Atrium code; it answers the same URLs with the pages Atrium answered for the same "
        "account (captured before the runs), rendered through Jinja with a fresh CSRF token and nonce, the same "
        "headers and a signed session cookie. Checked before its runs: its pages differ in length from Atrium's by at "
        f"most {meta.get('page_sizes', {}).get('largest_difference_bytes', '?')} bytes "
        f"({meta.get('page_sizes', {}).get('pages_compared', '?')} pages of one portal and one staff account compared).",
        "",
        f"Break point: the last ramp step before the first that has an error, a p95 over "
        f"{meta['rules']['p95_limit_ms']:.0f} ms, or throughput growing less than {meta['rules']['scaling']:.0%} as "
        "fast as the users (load/rules.py). Steady run: 80 % of the break point's users. Percentiles are exact, over "
        "every page request of the window (sign-ins are reported apart). Errors: any answer but 200 for a page "
        "(redirects not followed), any sign-in that does not redirect into the app, any connection error or timeout.",
        "",
        "## Results",
        "",
        summary_table(results),
        "",
        "CPU: share of the whole machine (both cores = 100 %) during the measured window: the app's gunicorn, "
        "PostgreSQL (backends of this database and the server's own processes), locust, everything else (the kernel's "
        "share of loopback networking, and any other work on the machine), idle.",
        "",
        "## Targets (reported, not asserted)",
        "",
        f"- Atrium's throughput ≥ 40 % of the bare app's (at the break point): "
        f"{summary['throughput_ratio_at_break_pct']} % ({yes[targets['atrium_throughput_ge_40pct_of_bare']]}); "
        f"steady runs: {summary['throughput_ratio_steady_pct']} %",
        f"- Atrium's p95 ≤ 100 ms at 80 % of the break point: "
        f"{summary['rows'][1]['p95_ms']} ms ({yes[targets['atrium_p95_le_100ms_at_80pct']]})",
        f"- 0 errors: Atrium {summary['errors_all_runs']['atrium']}, bare {summary['errors_all_runs']['bare']} in all "
        f"runs, sign-ins included ({yes[targets['atrium_zero_errors']]} for Atrium)",
        "",
    ]
    for name, data in apps.items():
        ramp, steady = data["ramp"], data["steady"]
        point = data["break_point"]
        out += [f"## {name}: ramp", "",
                f"Break point: **{point['users'] if point else 'none'} users** "
                f"({data['break_reason'] or 'every step held: the break point is at least the last step'}). "
                f"Ramp stopped: {ramp['stop_reason']}. Sign-ins: {ramp['signed_in']} "
                f"(p50 {ramp['sign_in']['p50_ms']} ms, p95 {ramp['sign_in']['p95_ms']} ms), failed "
                f"{ramp['sign_in_failed']}. Machine busy with other work just before: "
                f"{ramp.get('machine_busy_before_pct')} % (steady run: {steady.get('machine_busy_before_pct')} %).", "",
                "| users | requests/s | p50 ms | p95 ms | p99 ms | errors | KB/page | holds | CPU % app / PG / locust / other / idle |",
                "|---:|---:|---:|---:|---:|---:|---:|---|---|"]
        for step in ramp["windows"]:
            out.append(f"| {step['users']} | {step['rps']} | {step['p50_ms']} | {step['p95_ms']} | {step['p99_ms']} | "
                       f"{step['errors']} | {step['kb_per_request']} | "
                       f"{holds_text(step)} | {_cpu(step['cpu_pct'])} |")
        window = steady_window(steady)
        out += ["", f"## {name}: steady run, {window['users'] if window else '?'} users", ""]
        if window:
            out += [f"{window['requests']} page requests in {window['seconds']} s: {window['rps']} req/s, p50 "
                    f"{window['p50_ms']} ms, p95 {window['p95_ms']} ms, p99 {window['p99_ms']} ms, max "
                    f"{window['max_ms']} ms, {window['errors']} errors. Sign-ins before the window: "
                    f"{steady['signed_in']} (p50 {steady['sign_in']['p50_ms']} ms, p95 {steady['sign_in']['p95_ms']} ms), "
                    f"failed {steady['sign_in_failed']}.", "",
                    "| page | requests | p50 ms | p95 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|---:|"]
            for page, s in sorted(window["pages"].items(), key=lambda kv: -kv[1]["p95_ms"]):
                out.append(f"| `{page}` | {s['count']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | {s['max_ms']} |")
        errors = ramp["errors"] + steady["errors"]
        out += ["", f"Errors ({name}, all runs): " + ("none" if not errors else "")]
        for e in errors:
            out.append(f"- {e['count']} × {e['name']} HTTP {e['status']} in {e['phase']}: {e['message']}")
        log = data["log"]
        out += ["", f"gunicorn log ({log['path']}, {log['lines']} lines): {log['problems']} problem lines"
                + (":" if log["first_problems"] else ".")]
        out += [f"    {line}" for line in log["first_problems"]]
        warnings = ramp.get("locust_warnings", []) + steady.get("locust_warnings", [])
        if warnings:
            out += ["", "locust warnings: " + "; ".join(dict.fromkeys(warnings))]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
