"""Valid HTML: the Nu HTML Checker (vnu.jar, installed in tools/ by ``make test``) finds no error on any
portal page, for a visitor and for an Account Admin, and on every back office page for an administrator
(Flask-Admin's form macros are overridden in templates/admin/lib.html where they wrote invalid labels).

The pages are the ones the accessibility walk opens (tests/browser_tests/test_layout_and_access.py),
fetched here through the test client and checked in one run of the checker.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browser_tests.test_layout_and_access import PUBLIC_PAGES, _back_office_pages, _portal_pages

VNU = Path(__file__).resolve().parent.parent / "tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _check(files: list[Path]) -> list[str]:
    if not VNU.exists() or not shutil.which("java"):
        pytest.fail(f"the Nu HTML Checker needs {VNU} and java: run `make test` (npm ci in tools/).")
    done = subprocess.run(["java", "-jar", str(VNU), "--format", "json", "--stdout", *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    messages = json.loads(done.stdout or "{}").get("messages", [])
    return [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m.get('message')}"
            for m in messages if m.get("type") == "error"]


def _save(tmp_path: Path, name: str, html: str) -> Path:
    path = tmp_path / (name.strip("/").replace("/", "-").replace("?", "_").replace("=", "-") or "home")
    path = path.with_suffix(".html")
    path.write_text(html)
    return path


def test_every_page_is_valid_html(app, client, login_as, tmp_path):
    files = []
    for path in PUBLIC_PAGES:
        files.append(_save(tmp_path, "visitor" + path, client.get(path).get_data(as_text=True)))
    files += _saved_pages(login_as("anna.admin@acme.example"), _portal_pages(app), tmp_path, "portal")
    errors = _check(files)
    assert not errors, f"{len(errors)} errors:\n" + "\n".join(errors[:80])


def test_every_back_office_page_is_valid_html(app, login_as, tmp_path):
    files = _saved_pages(login_as("admin@atrium.example"), _back_office_pages(app), tmp_path, "backoffice")
    errors = _check(files)
    assert not errors, f"{len(errors)} errors:\n" + "\n".join(errors[:80])


def _saved_pages(client, paths: list[str], tmp_path: Path, prefix: str) -> list[Path]:
    """Each page as the signed-in ``client`` sees it (every one must open), saved for the checker."""
    files = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        files.append(_save(tmp_path, prefix + path, response.get_data(as_text=True)))
    return files
