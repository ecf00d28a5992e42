"""Production-shaped load on Atrium (or on the bare app that answers the same URLs): portal and back office users.

Each simulated user signs in ONCE (``on_start``), then browses, searches and opens details with a think
time between pages. Portal users (weight 4, so 80 %) sign in as the account admins listed in
``LOAD_PORTAL_USERS`` (a CSV with an ``email`` column, handed out in turn); staff users (weight 1, 20 %)
as the back office accounts in ``LOAD_STAFF_USERS``. The target comes from locust's ``--host``.

Every page must answer 200 (redirects are not followed: a 302 to the sign-in page is an error); sign-in
must answer 302 to a page other than the sign-in page. A user whose sign-in fails stops (the failure is
counted and reported).

Modes (``LOAD_MODE``):

- ``ramp``: ``StepRamp`` raises the users through ``LOAD_STEPS``; each step is measured once all its
  users have signed in and ``LOAD_WARMUP`` seconds passed, for ``LOAD_MEASURE`` seconds; the ramp stops
  after ``LOAD_STOP_AFTER`` steps that do not hold (``rules.py``), at the last step, or after
  ``LOAD_MAX_SECONDS``.
- ``steady``: users and spawn rate from ``-u``/``-r``; one window measured the same way, then locust quits
  (``-t`` is the outer bound).

Either way the measured windows, with sign-ins and every error, go to the JSON file ``LOAD_RESULT`` when
locust quits. Percentiles are exact (computed from every response time of the window). No request goes
anywhere but ``--host``, which run.py sets to 127.0.0.1; the number of requests is capped by
``LOAD_MAX_REQUESTS``.
"""
from __future__ import annotations

import csv
import itertools
import json
import os
import random
import re
import time
from pathlib import Path

import gevent
import rules
from collector import COLLECTOR
from loadenv import (
    MAX_REQUESTS,
    MAX_SECONDS,
    MEASURE,
    MODE,
    PASSWORD,
    RESULT,
    RETRIES,
    SIGN_IN_TIMEOUT,
    STEPS,
    STOP_AFTER,
    THINK,
    WARMUP,
)
from locust import FastHttpUser, LoadTestShape, between, events, task
from locust.exception import StopUser

HERE = Path(__file__).resolve().parent

PORTAL_SEARCH = ["anna", "jana", "klein", "weber", "lee", "sato", "mar", "sch", "berg", "singh"]
STAFF_SEARCH = ["anna", "klein", "acme", "weber", "sato", "lee", "northwind", "berg"]
USER_LINK = re.compile(rb'href="/account/users/(\d+)"')
CUSTOMER_LINK = re.compile(rb'/admin/company_users/edit/\?id=(\d+)')
COMPANY_LINK = re.compile(rb'/admin/companies/details/\?id=(\d+)')
CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


def _accounts(path: str) -> list[str]:
    if not path or not Path(path).exists():
        return ["anna.admin@acme.example"]
    with open(path, newline="") as handle:
        return [row["email"] for row in csv.DictReader(handle) if row.get("email")] or ["anna.admin@acme.example"]


PORTAL_ACCOUNTS = itertools.cycle(_accounts(os.environ.get("LOAD_PORTAL_USERS", str(HERE / "work" / "portal_users.csv"))))
STAFF_ACCOUNTS = itertools.cycle(os.environ.get("LOAD_STAFF_USERS", "admin@atrium.example,support@atrium.example")
                                 .split(","))


@events.request.add_listener
def _on_request(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    COLLECTOR.record(name, response_time, response_length, status, exception)


@events.quitting.add_listener
def _write_result(environment, **kwargs):
    if RESULT:
        Path(RESULT).parent.mkdir(parents=True, exist_ok=True)
        Path(RESULT).write_text(json.dumps(COLLECTOR.result(), indent=1))


def _over_budget() -> str:
    if COLLECTOR.requests >= MAX_REQUESTS:
        return f"request cap {MAX_REQUESTS} reached"
    if time.time() - COLLECTOR.started > MAX_SECONDS:
        return f"time bound {MAX_SECONDS:.0f} s reached"
    return ""


class SignedInUser(FastHttpUser):
    abstract = True
    wait_time = between(*THINK)
    connection_timeout = 10.0
    network_timeout = 30.0
    login_path = "/login"

    def sign_in(self, email: str) -> None:
        """GET the sign-in form, POST it once; a failure is counted and stops this user."""
        self.email = email
        with self.client.get(self.login_path, name=f"sign-in GET {self.login_path}", allow_redirects=False,
                             catch_response=True) as page:
            token = CSRF.search(page.content or b"") if page.status_code == 200 else None
            if token is None:
                page.failure(f"HTTP {page.status_code}: no sign-in form")
                self._failed()
        with self.client.post(self.login_path, name=f"sign-in POST {self.login_path}", allow_redirects=False,
                              catch_response=True,
                              data={"email": email, "password": PASSWORD, "csrf_token": token.group(1).decode(),
                                    "next": ""}) as answer:
            where = (answer.headers or {}).get("Location", "") if answer.status_code else ""
            if answer.status_code != 302 or "login" in where:
                text = (answer.content or b"")[:20000].decode(errors="replace")
                flash = re.search(r'class="alert[^"]*"[^>]*>\s*(.*?)\s*<', text, re.S)
                answer.failure(f"HTTP {answer.status_code} {where} {flash.group(1) if flash else ''}".strip())
                self._failed()
        COLLECTOR.signed_in += 1

    def _failed(self):
        COLLECTOR.sign_in_failed += 1
        raise StopUser()

    def page(self, path: str, name: str) -> bytes | None:
        """GET a page that must answer 200; its body, or None after counting the failure."""
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 200:
                where = (answer.headers or {}).get("Location", "") if answer.status_code else ""
                answer.failure(f"HTTP {answer.status_code}" + (f" -> {where}" if where else ""))
                return None
            return answer.content or b""


class PortalUser(SignedInUser):
    """An account admin of a customer company: home, own account, users (list, search, detail), audit, company."""

    weight = 4
    login_path = "/login"

    def on_start(self):
        self.user_ids: list[str] = []
        self.sign_in(next(PORTAL_ACCOUNTS))
        self.users()

    @task(2)
    def home(self):
        self.page("/", "/")

    @task(1)
    def account(self):
        self.page("/account", "/account")

    @task(3)
    def users(self):
        body = self.page("/account/users", "/account/users")
        if body:
            self.user_ids = [m.decode() for m in dict.fromkeys(USER_LINK.findall(body))] or self.user_ids

    @task(2)
    def search_users(self):
        self.page(f"/account/users?q={random.choice(PORTAL_SEARCH)}", "/account/users?q=[term]")

    @task(3)
    def user_detail(self):
        if self.user_ids:
            self.page(f"/account/users/{random.choice(self.user_ids)}", "/account/users/[id]")

    @task(1)
    def audit(self):
        self.page("/account/audit", "/account/audit")

    @task(1)
    def invitations(self):
        self.page("/account/invitations", "/account/invitations")

    @task(1)
    def addresses(self):
        self.page("/account/addresses", "/account/addresses")

    @task(1)
    def company(self):
        self.page("/account/company", "/account/company")

    @task(1)
    def roles(self):
        self.page("/account/roles", "/account/roles")


class StaffUser(SignedInUser):
    """A back office user: home, customers (list, search, edit form), companies (list, details), audit, applications."""

    weight = 1
    login_path = "/admin/login/"

    def on_start(self):
        self.customer_ids: list[str] = []
        self.company_ids: list[str] = []
        self.sign_in(next(STAFF_ACCOUNTS))
        self.customers()
        self.companies()

    @task(1)
    def home(self):
        self.page("/admin/", "/admin/")

    @task(3)
    def customers(self):
        body = self.page("/admin/company_users/", "/admin/company_users/")
        if body:
            self.customer_ids = [m.decode() for m in dict.fromkeys(CUSTOMER_LINK.findall(body))] or self.customer_ids

    @task(2)
    def search_customers(self):
        self.page(f"/admin/company_users/?search={random.choice(STAFF_SEARCH)}", "/admin/company_users/?search=[term]")

    @task(2)
    def customer_edit(self):
        if self.customer_ids:
            self.page(f"/admin/company_users/edit/?id={random.choice(self.customer_ids)}",
                      "/admin/company_users/edit/?id=[id]")

    @task(2)
    def companies(self):
        body = self.page("/admin/companies/", "/admin/companies/")
        if body:
            self.company_ids = [m.decode() for m in dict.fromkeys(COMPANY_LINK.findall(body))] or self.company_ids

    @task(2)
    def company_details(self):
        if self.company_ids:
            self.page(f"/admin/companies/details/?id={random.choice(self.company_ids)}",
                      "/admin/companies/details/?id=[id]")

    @task(1)
    def audit(self):
        self.page("/admin/audit/", "/admin/audit/")

    @task(1)
    def applications(self):
        self.page("/admin/applications/", "/admin/applications/")


if MODE == "ramp":
    class StepRamp(LoadTestShape):
        """Steps of users (``LOAD_STEPS``); each measured once all its users signed in, then judged by ``rules``."""

        def __init__(self):
            super().__init__()
            self.index = 0
            self.phase = "spawning"
            self.since = time.time()
            self.failed_steps = 0
            self.retries = 0

        def _rate(self) -> float:
            before = STEPS[self.index - 1] if self.index else 0
            return min(100.0, max(5.0, (STEPS[self.index] - before) / 3))  # locust warns above 100/s

        def tick(self):
            users, now = STEPS[self.index], time.time()
            over = _over_budget()
            if over:
                COLLECTOR.stop_reason = over
                if COLLECTOR.window:
                    COLLECTOR.close()
                return None
            if self.phase == "spawning":
                if COLLECTOR.ready() >= users or now - self.since > SIGN_IN_TIMEOUT:
                    self.phase, self.since = "warming", now
            elif self.phase == "warming":
                if now - self.since >= WARMUP:
                    COLLECTOR.open(users, f"step {self.index + 1}")
                    self.phase, self.since = "measuring", now
            elif self.phase == "measuring" and now - self.since >= MEASURE:
                return self._measured(users, now)
            return users, self._rate()

        def _measured(self, users: int, now: float):
            """A step's window is over: measure it again if it was disturbed, else judge it and go on or stop."""
            step = COLLECTOR.close()
            if COLLECTOR.disturbed(step) and self.retries < RETRIES:
                step["label"] = f"disturbed {step['label']}"  # kept in the file, left out of the ramp
                self.retries += 1
                COLLECTOR.open(users, f"step {self.index + 1}")
                self.since = now
                return users, self._rate()
            self.retries = 0
            steps = [w for w in COLLECTOR.windows if w["label"].startswith("step")]
            ok, why = rules.holds(step, steps[-2] if len(steps) > 1 else None)
            step["holds"], step["why_not"] = ok, why
            self.failed_steps += 0 if ok else 1
            if self.failed_steps >= STOP_AFTER:
                COLLECTOR.stop_reason = f"{self.failed_steps} steps did not hold (last: {why})"
                return None
            if self.index + 1 >= len(STEPS):
                COLLECTOR.stop_reason = "last step reached"
                return None
            self.index += 1
            self.phase, self.since = "spawning", now
            return STEPS[self.index], self._rate()

else:
    @events.test_start.add_listener
    def _steady_window(environment, **kwargs):
        """One window: once everyone signed in (or the wait ran out), warm up, measure, quit."""
        def run():
            target = environment.parsed_options.num_users if environment.parsed_options else 1
            deadline = time.time() + SIGN_IN_TIMEOUT
            while COLLECTOR.ready() < target and time.time() < deadline:
                gevent.sleep(0.5)
            gevent.sleep(WARMUP)
            for attempt in range(RETRIES + 1):
                COLLECTOR.open(target, "steady")
                end = time.time() + MEASURE
                while time.time() < end and not _over_budget():
                    gevent.sleep(0.5)
                step = COLLECTOR.close()
                step["holds"], step["why_not"] = rules.holds(step, None)
                if not COLLECTOR.disturbed(step) or attempt == RETRIES or _over_budget():
                    break
                step["label"] = "disturbed steady"  # kept in the file; the next window replaces it
            COLLECTOR.stop_reason = _over_budget() or "window measured"
            environment.runner.quit()

        gevent.spawn(run)
