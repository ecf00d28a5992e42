"""The runs: headless locust against one app (a ramp to its break point, then a steady run at 80 % of it)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import rules
from common import LOAD, LOCUST, PASSWORD, ROOT, STAFF, WORK, say
from processes import stop

LOG_PROBLEMS = re.compile(r"Traceback|\[ERROR\]|\[CRITICAL\]|WORKER TIMEOUT|Exception on|OperationalError|"
                          r"Worker .* (was sent|exited)|Error:", re.I)


def run_locust(label: str, host: str, app: subprocess.Popen, args, mode: str, users: int = 0) -> dict:
    """One headless locust run against ``host`` (loopback only); its result JSON (see locustfile.py)."""
    if not host.startswith("http://127.0.0.1:"):
        raise RuntimeError(f"{host}: only 127.0.0.1 is a target")
    result = WORK / f"{label}.json"
    result.unlink(missing_ok=True)
    env = _locust_env(label, result, app, args, mode)
    command, bound = _locust_command(label, host, args, mode, users)
    quiet = wait_quiet(args)
    say(f"{label}: locust {mode}" + (f" {users} users" if users else f" steps {args.steps}") + f" against {host}")
    _run_bounded(label, command, env, bound)
    if app.poll() is not None:
        raise RuntimeError(f"gunicorn stopped during {label}: see {app.log_path}")
    if not result.exists():
        raise RuntimeError(f"{label}: locust wrote no result, see {WORK / (label + '.log')}")
    data = json.loads(result.read_text())
    data["machine_busy_before_pct"] = quiet
    data["locust_warnings"] = sorted({line.split("/WARNING/")[-1].strip()[:200] for line in
                                      open(WORK / f"{label}.log", errors="replace") if "WARNING" in line})[:10]
    return data


def _locust_env(label: str, result: Path, app: subprocess.Popen, args, mode: str) -> dict:
    """The environment locustfile.py reads its settings from (``LOAD_*``)."""
    return {**os.environ, "LOAD_MODE": mode, "LOAD_RESULT": str(result), "LOAD_STEPS": args.steps,
            "LOAD_WARMUP": str(args.warmup), "LOAD_THINK": args.think,
            "LOAD_MEASURE": str(args.measure if mode == "ramp" else args.steady_measure),
            "LOAD_MAX_SECONDS": str(args.ramp_max_seconds), "LOAD_PORTAL_USERS": str(WORK / "portal_users.csv"),
            "LOAD_STAFF_USERS": ",".join(STAFF), "LOAD_APP_PGID": str(app.pid), "LOAD_HOST_LABEL": label,
            "LOAD_PASSWORD": PASSWORD, "LOAD_DATABASE": args.database_name}


def _locust_command(label: str, host: str, args, mode: str, users: int) -> tuple[list[str], float]:
    """The locust command line, and the hard bound (seconds) of its run."""
    command = [str(LOCUST), "-f", str(LOAD / "locustfile.py"), "--headless", "--host", host,
               "--csv", str(WORK / label), "--only-summary", "--exit-code-on-error", "0", "--stop-timeout", "5"]
    if mode == "ramp":
        return command, args.ramp_max_seconds + 90
    rate = min(100, max(5, round(users / 5)))
    run_time = 90 + args.warmup + args.steady_measure + 20  # sign-ins, warm-up, window; the window ends it
    command += ["-u", str(users), "-r", str(rate), "-t", f"{run_time:.0f}s"]
    return command, run_time + 60


def _run_bounded(label: str, command: list[str], env: dict, bound: float) -> None:
    """Run locust in its own process group, logging to ``work/<label>.log``; stopped after ``bound`` seconds."""
    with open(WORK / f"{label}.log", "w") as log:
        process = subprocess.Popen(command, cwd=LOAD, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            process.wait(timeout=bound)
        except subprocess.TimeoutExpired:
            say(f"{label}: locust passed its {bound:.0f} s bound, stopped")
        finally:
            stop(process)


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
    _say_steps(name, steps)
    users = rules.steady_users(point, steps[0]["users"] if steps else 1)
    say(f"{name}: break point {point['users'] if point else 'none'} users ({why or 'every step held'}); "
        f"steady run at {users}")
    steady = run_locust(f"{name}-steady", host, app, args, "steady", users)
    window = steady_window(steady) or {}
    say(f"  {name} steady {users} users: {window.get('rps')} req/s  p50 {window.get('p50_ms')} ms  "
        f"p95 {window.get('p95_ms')} ms  errors {window.get('errors')}")
    return {"ramp": ramp, "break_point": point, "break_reason": why, "steady": steady, "log": scan_log(app)}


def _say_steps(name: str, steps: list[dict]) -> None:
    for step in steps:
        say(f"  {name} {step['users']:>5} users: {step['rps']:7.1f} req/s  p50 {step['p50_ms']:6.1f} ms  "
            f"p95 {step['p95_ms']:7.1f} ms  errors {step['errors']}  cpu {step['cpu_pct']}"
            + ("" if step.get("holds", True) else f"  (does not hold: {step['why_not']})"))


def steady_window(steady: dict) -> dict | None:
    """The steady run's window (a disturbed one, measured again, is left out)."""
    return next((w for w in steady["windows"] if w["label"] == "steady"), None)


def scan_log(app: subprocess.Popen) -> dict:
    """Problems the gunicorn log shows (tracebacks, worker timeouts, errors): counts and the first lines."""
    lines = Path(app.log_path).read_text(errors="replace").splitlines()
    problems = [line for line in lines if LOG_PROBLEMS.search(line)]
    return {"path": str(Path(app.log_path).relative_to(ROOT)), "lines": len(lines), "problems": len(problems),
            "first_problems": list(dict.fromkeys(problems))[:15]}
