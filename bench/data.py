"""The benchmark's app and data: a fresh database, the demo data and a profile of bulk data on top.

``profiles.seed_profile(size)`` builds the S, M and L data sets when that module
exists; until then the demo data plus ``PEOPLE[size]`` users in Acme Industrial
stand in, so that the benchmark runs either way.
"""
from __future__ import annotations

import importlib.util

from sqlalchemy import select

from extensions import db

PEOPLE = {"S": 200, "M": 1000, "L": 5000}  # extra Acme users when profiles.py is missing


def build_app(database_url: str):
    """An app on ``database_url``, with jobs in process and mail in the outbox."""
    from app import create_app

    return create_app({"SECRET_KEY": "bench", "DATABASE_URL": database_url, "REDIS_URL": "", "MAIL_SERVER": "",
                       "PUBLIC_URL": "http://localhost", "JOBS_AFTER_ANSWER": False})


def reset_database() -> None:
    """Drop everything and migrate, as an installation gets its schema and reference data."""
    from cli import drop_database, upgrade_database

    drop_database()
    upgrade_database()


def seed(profile: str | None) -> dict:
    """The demo data, then the profile's bulk data (none for ``None``); mail is delivered to the outbox."""
    from demo import seed_demo
    from jobs.queue import dispatch_ready

    seed_demo()
    db.session.commit()
    if profile is None:
        summary = {"source": "demo data"}
    elif importlib.util.find_spec("profiles") is not None:
        from profiles import seed_profile, vacuum_after_commit

        summary = {"source": "profiles.seed_profile", **(seed_profile(profile) or {})}
        db.session.commit()
        vacuum_after_commit()
    else:
        summary = {"source": "demo data + bench.data.seed_people", "people": seed_people(PEOPLE[profile])}
    db.session.commit()
    dispatch_ready(db.session)
    return summary


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
        if n % 500 == 499:
            db.session.commit()
    db.session.commit()
    return count
