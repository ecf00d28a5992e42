"""The database: profile L in PostgreSQL (created and seeded when missing or empty), and the portal accounts."""
from __future__ import annotations

import csv
import os
import secrets
import subprocess
import sys
import urllib.parse

from common import DEFAULT_DATABASE, PROFILE_USERS, ROOT, VENV, WORK, say


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
    seed(url, name)
    return url


def seed(url: str, name: str) -> None:
    """Seed profile L into the empty database ``url`` with the project's own command."""
    say(f"Seeding profile L into {name} (flask seed-profile L, ~30 s)")
    env = dict(os.environ, FLASK_APP="app:create_app", DATABASE_URL=url, REDIS_URL="", MAIL_SERVER="",
               SECRET_KEY=secrets.token_urlsafe(48))
    subprocess.run([str(VENV / "bin" / "flask"), "seed-profile", "L"], cwd=ROOT, env=env, check=True, timeout=600,
                   stdout=subprocess.DEVNULL)


PORTAL_ACCOUNTS_QUERY = """
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


def list_portal_accounts(database: str, count: int) -> list[str]:
    """Account admins who can sign in (active, confirmed, active company, an enabled shop), one per company:
    the four big companies first (Acme's demo admin among them), then a fixed random spread of the rest."""
    import psycopg

    with psycopg.connect(database) as connection:
        rows = connection.execute(PORTAL_ACCOUNTS_QUERY, (count,)).fetchall()
    with open(WORK / "portal_users.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "company_id", "company", "company_users"])
        writer.writerows(rows)
    return [row[0] for row in rows]
