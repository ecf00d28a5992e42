"""The processes run.py starts: gunicorn for each app (its own process group), stopped group and all."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from common import ROOT, VENV, WORK, say


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
