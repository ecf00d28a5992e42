"""Time Atrium's busiest list pages on a company with many people.

    make bench                    # SQLite file, jobs in process
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/atrium_bench make bench

Seeds the demo data plus ``--people`` users (each with roles, a shop assignment
and audit entries) in Acme Industrial, then requests each page ``--rounds``
times as the person who would open it. Prints the median and 95th percentile
time per request and the SQL statements per request: the statement count must
not depend on ``--people`` (flat cost).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select  # noqa: E402

from app import create_app  # noqa: E402
from cli import upgrade_database  # noqa: E402
from extensions import db  # noqa: E402

PAGES = [
    ("anna.admin@acme.example", "/account/users"),
    ("anna.admin@acme.example", "/account/users?q=bench"),
    ("anna.admin@acme.example", "/account/audit"),
    ("anna.admin@acme.example", "/account/invitations"),
    ("anna.admin@acme.example", "/account/addresses"),
    ("admin@atrium.example", "/admin/company_users/"),
    ("admin@atrium.example", "/admin/companies/"),
    ("admin@atrium.example", "/admin/companies/details/?id={acme}"),
    ("admin@atrium.example", "/admin/audit/"),
]


def seed_people(count: int) -> int:
    """``count`` more Acme users through the model operation (roles, shop, audit, mail)."""
    from models.actors import Actor
    from models.companies import Company
    from models.members import create_user
    from models.users import CompanyUser

    acme = db.session.scalar(select(Company).where(Company.name == "Acme Industrial"))
    anna = Actor.for_company_user(
        db.session.scalar(select(CompanyUser).where(CompanyUser.email == "anna.admin@acme.example")))
    for n in range(count):
        create_user(acme, actor=anna, email=f"bench{n}@acme.example", first_name="Bench", last_name=f"User {n}")
    db.session.commit()
    return acme.id


def sign_in(client, email: str) -> None:
    import re

    path = "/admin/login/" if email.endswith("@atrium.example") else "/login"
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(path, data={"email": email, "password": "atrium-demo", "csrf_token": token})
    assert response.status_code == 302, f"{email} could not sign in"


def measure(app, email: str, url: str, rounds: int) -> tuple[float, float, int]:
    client = app.test_client()
    sign_in(client, email)
    statements: list[int] = []

    def count(*_args, **_kwargs):
        statements[-1] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    times = []
    try:
        for _ in range(rounds):
            statements.append(0)
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], max(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "REDIS_URL": "", "MAIL_SERVER": "",
                      "PUBLIC_URL": "http://localhost"})
    with app.app_context():
        db.drop_all()
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade_database()
        from demo import seed_demo

        seed_demo()
        db.session.commit()
        acme = seed_people(args.people)
    print(f"Atrium page benchmark: {args.people} extra users, {args.rounds} requests per page, "
          f"{url.split(':')[0]}")
    print(f"{'page':45} {'median ms':>10} {'p95 ms':>8} {'SQL/request':>12}")
    for email, page in PAGES:
        page = page.format(acme=acme)
        median, p95, sql = measure(app, email, page, args.rounds)
        print(f"{page:45} {median:10.1f} {p95:8.1f} {sql:12d}")
    with app.app_context():
        if not os.environ.get("BENCH_DATABASE_URL"):
            db.engine.dispose()


if __name__ == "__main__":
    main()
