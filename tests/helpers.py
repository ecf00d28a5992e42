"""Helpers every kind of test shares: signing in, reading pages and the outbox, counting SQL, growing data.

Page-specific steps live beside their tests (``backoffice_forms``, ``portal_pages``,
``sign_in_pages``, ``browser_tests.support``); what several of them need is here.
"""
from __future__ import annotations

import gc
import re
import socket
import time
from contextlib import contextmanager
from html import unescape

from sqlalchemy import event, select

from extensions import db
from models.attributes import AttributeValue
from models.mail import OutboxMessage
from tests import factories as f

PASSWORD = f.PASSWORD


# --- requests -------------------------------------------------------------------------------------

def csrf_token(html: str) -> str:
    """The CSRF token of the (first) form on a page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client, email: str, password: str = PASSWORD, path: str = "/login"):
    """Sign in through the real form, CSRF token included."""
    page = client.get(path)
    return client.post(path, data={"email": email, "password": password,
                                   "csrf_token": csrf_token(page.get_data(as_text=True))})


def post_form(client, path: str, data: dict, form_page: str | None = None):
    """Post ``data`` to ``path`` with the CSRF token of the page that shows the form (``path`` itself by default)."""
    token = csrf_token(client.get(form_page or path).get_data(as_text=True))
    return client.post(path, data=dict(data, csrf_token=token))


# --- reading pages --------------------------------------------------------------------------------

def text(page) -> str:
    """The visible text of a page (a response or its HTML), markup removed and whitespace collapsed."""
    html = page if isinstance(page, str) else page.get_data(as_text=True)
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def unescaped(response) -> str:
    """A response's HTML with entities resolved and whitespace runs collapsed (markup kept)."""
    return re.sub(r"\s+", " ", unescape(response.get_data(as_text=True)))


def flashes(html: str) -> list[str]:
    """The flash messages on a page, as plain text."""
    found = re.findall(r'<div class="alert alert-[a-z]+[^"]*"[^>]*>(.*?)</div>', html, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", found_one)).replace("×", "").split()) for found_one in found]


# --- the outbox -----------------------------------------------------------------------------------

def work_off_jobs() -> None:
    """Run the pending follow-ups as a worker would. With Redis they wait for ``rq worker``, which cannot
    see a test's uncommitted rows; in process they have run already and nothing is pending."""
    from jobs.queue import is_in_process
    from jobs.runner import run_follow_up
    from models.followups import FollowUp, FollowUpState

    if is_in_process():
        return
    pending = select(FollowUp.id).where(FollowUp.state == FollowUpState.PENDING.value).order_by(FollowUp.id)
    while ids := db.session.scalars(pending).all():
        for follow_up_id in ids:
            run_follow_up(follow_up_id)


def outbox(email: str | None = None, template: str | None = None) -> list[OutboxMessage]:
    """Mail written to the outbox (for ``email``, of ``template``), oldest first, once the jobs that write it ran."""
    work_off_jobs()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if email is not None:
        query = query.where(OutboxMessage.recipient == email)
    if template:
        query = query.where(OutboxMessage.template == template)
    return db.session.scalars(query).all()


def templates_to(email: str) -> list[str]:
    """The templates of the mail written to ``email``, oldest first."""
    return [message.template for message in outbox(email)]


def mail_link(email: str, path: str) -> str:
    """The path of the newest link to ``path`` (e.g. "/invitations/") in mail written to ``email``, as sent."""
    for message in reversed(outbox(email)):
        found = re.search(rf"https?://[^/\s]+({re.escape(path)}\S+)", message.bodies_for_recipient()[0])
        if found:
            return found.group(1)
    raise AssertionError(f"no mail to {email} links to {path}")


# --- counting SQL and ports -----------------------------------------------------------------------

@contextmanager
def count_queries(app, with_params: bool = False):
    """Count SQL statements sent while the block runs (``(statement, parameters)`` pairs ``with_params``)."""
    statements: list = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append((statement, parameters) if with_params else statement)

    with app.app_context():
        engine = db.engines[None].engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


class Stopwatch:
    seconds: float = 0.0


@contextmanager
def stopwatch():
    """The wall-clock seconds of the block, without collecting what earlier tests left behind.

    A long test run holds a large heap; a full collection that the tests before have made due
    would otherwise fall inside the block and charge it for their garbage (seen: 1.4 s of 2).
    """
    gc.collect()
    watch = Stopwatch()
    started = time.perf_counter()
    try:
        yield watch
    finally:
        watch.seconds = time.perf_counter() - started


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- growing data ---------------------------------------------------------------------------------

def grow_company(company, n: int, *, tag: str = "grow", service_rep=None, invitations: bool = False,
                 addresses: bool = False, attributes=()) -> None:
    """Add ``n`` business units to ``company``, each with a member holding Approver (``{tag}{i}@…``).

    With ``invitations`` also a pending invitation each (``later{i}@…``), with ``addresses`` a shipping
    address each (``{i} Dock``), and a value for each of the ``attributes`` definitions per member:
    data for tests that prove a page costs the same number of statements however much there is.
    """
    domain = f"{company.name.split()[0].lower()}.example"
    for i in range(n):
        suffix = str(i) if tag == "grow" else f"{tag}{i}"  # two growths of one company stay apart
        unit = f.BusinessUnitFactory(company=company, name=f"Site {suffix}", service_rep=service_rep)
        member = f.CompanyUserFactory(company=company, business_unit=unit, roles=["approver"],
                                      email=f"{tag}{i}@{domain}", first_name="G", last_name=f"Row{i}")
        member.attribute_values.extend(AttributeValue(definition=d, value=str(i)) for d in attributes)
        if invitations:
            f.InvitationFactory(company=company, email=f"later{suffix}@{domain}")
        if addresses:
            f.AddressFactory(company=company, line1=f"{i} Dock", postal_code="24103", city="Kiel")
    db.session.flush()
