"""The report: the run's metadata, the summary (break points, steady runs, targets) and the Markdown file."""
from __future__ import annotations

import os
import platform
import subprocess
import urllib.parse
from datetime import datetime, timezone

import rules
from common import LOCUST, ROOT, STAFF, VENV
from processes import gunicorn_settings
from runs import steady_window


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


# --- the summary -----------------------------------------------------------------------------------------------

def summarize(apps: dict) -> dict:
    rows = [_summary_row(apps, app, which) for app in ("atrium", "bare") for which in ("break", "steady")]
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


def _summary_row(apps: dict, app: str, which: str) -> dict:
    data = apps[app]
    if which == "break":
        step = data["break_point"] or {}
    else:
        step = steady_window(data["steady"]) or {}
    return {"app": app, "run": which, "users": step.get("users"), "rps": step.get("rps"),
            "p50_ms": step.get("p50_ms"), "p95_ms": step.get("p95_ms"), "error_pct": step.get("error_pct"),
            "errors": step.get("errors"), "requests": step.get("requests"), "cpu_pct": step.get("cpu_pct")}


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


# --- the Markdown report ---------------------------------------------------------------------------------------

def markdown(results: dict) -> str:
    out = _intro(results["meta"]) + _results_and_targets(results)
    for name, data in results["apps"].items():
        out += _ramp_section(name, data) + _steady_section(name, data["steady"]) + _problems_section(name, data)
    return "\n".join(out)


def _intro(meta: dict) -> list[str]:
    """The title, and how the run was made: machine, server, data, mix, bare app, break point."""
    return [
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
    ]


def _results_and_targets(results: dict) -> list[str]:
    summary = results["summary"]
    targets = summary["targets"]
    yes = {True: "met", False: "**missed**"}
    return [
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


def _ramp_section(name: str, data: dict) -> list[str]:
    ramp, steady = data["ramp"], data["steady"]
    point = data["break_point"]
    out = [f"## {name}: ramp", "",
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
    return out


def _steady_section(name: str, steady: dict) -> list[str]:
    window = steady_window(steady)
    out = ["", f"## {name}: steady run, {window['users'] if window else '?'} users", ""]
    if window:
        out += [f"{window['requests']} page requests in {window['seconds']} s: {window['rps']} req/s, p50 "
                f"{window['p50_ms']} ms, p95 {window['p95_ms']} ms, p99 {window['p99_ms']} ms, max "
                f"{window['max_ms']} ms, {window['errors']} errors. Sign-ins before the window: "
                f"{steady['signed_in']} (p50 {steady['sign_in']['p50_ms']} ms, p95 {steady['sign_in']['p95_ms']} ms), "
                f"failed {steady['sign_in_failed']}.", "",
                "| page | requests | p50 ms | p95 ms | p99 ms | max ms |", "|---|---:|---:|---:|---:|---:|"]
        for page, s in sorted(window["pages"].items(), key=lambda kv: -kv[1]["p95_ms"]):
            out.append(f"| `{page}` | {s['count']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | {s['max_ms']} |")
    return out


def _problems_section(name: str, data: dict) -> list[str]:
    """Every error of the app's runs, the gunicorn log's problem lines and locust's warnings."""
    ramp, steady = data["ramp"], data["steady"]
    errors = ramp["errors"] + steady["errors"]
    out = ["", f"Errors ({name}, all runs): " + ("none" if not errors else "")]
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
    return out
