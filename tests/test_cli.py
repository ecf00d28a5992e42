"""The commands behind ``make run``: migrate, seed and serve, as separate processes."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parent.parent


def _flask(env, *args, **kwargs):
    return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, **kwargs)


def test_make_run_commands_serve_the_portal_and_back_office(tmp_path):
    env = dict(os.environ, FLASK_APP="app:create_app", DATABASE_URL=f"sqlite:///{tmp_path / 'atrium.sqlite'}",
               REDIS_URL="", MAIL_SERVER="", SECRET_KEY="cli-test")
    assert _flask(env, "db", "upgrade").returncode == 0
    first = _flask(env, "seed-demo")
    assert first.returncode == 0 and "Demo data created." in first.stdout, first.stderr
    again = _flask(env, "seed-demo")
    assert "Demo data already present." in again.stdout, again.stderr

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "flask", "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        pages = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(pages) < 2:
            try:
                for path in ("/login", "/admin/login/"):
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                        pages[path] = (response.status, response.read().decode())
            except OSError:
                time.sleep(0.3)
        assert pages["/login"][0] == 200 and "Sign in" in pages["/login"][1]
        assert pages["/admin/login/"][0] == 200 and "back office" in pages["/admin/login/"][1].lower()
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert f"Atrium runs at http://127.0.0.1:{port}/" in output
