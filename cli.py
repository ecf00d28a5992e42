"""Command-line commands: ``flask seed-demo``, ``flask seed-profile``, ``flask create-staff``, ``flask serve``,
``flask worker``."""
from __future__ import annotations

import time

import click
from flask import Blueprint, current_app

from extensions import db
from jobs.queue import dispatch_ready
from models.actors import SYSTEM
from models.base import DomainError
from models.permissions import StaffRole
from models.staff_accounts import create_staff

bp = Blueprint("cli", __name__, cli_group=None)


def upgrade_database() -> None:
    """Bring the database to the newest migration, schema and reference data, as ``flask db upgrade`` does."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)


def drop_database() -> None:
    """An empty database: the models' tables, the migrations' own bookkeeping and the search indexes."""
    from sqlalchemy import text

    from models.search import INDEXED

    db.drop_all()
    for table in INDEXED:  # SQLite's FTS5 tables (their triggers went with their tables)
        db.session.execute(text(f"DROP TABLE IF EXISTS {table}_search"))
    db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.session.commit()


@bp.cli.command("seed-demo")
def seed_demo_command():
    """Create the demo companies, users and staff (password: atrium-demo)."""
    from demo import seed_demo

    created = seed_demo()
    db.session.commit()
    dispatch_ready()
    click.echo("Demo data created." if created else "Demo data already present.")


@bp.cli.command("seed-profile")
@click.argument("size", type=click.Choice(["S", "M", "L"], case_sensitive=False), metavar="S|M|L")
def seed_profile_command(size):
    """Add a benchmark data profile (S, M or L, each ten times the one before) to the demo data.

    A database holds one profile: run again, it refuses and adds nothing.
    """
    from profiles import ProfileError, seed_profile, vacuum_after_commit

    started = time.perf_counter()
    upgrade_database()  # an empty database becomes a profile in one command
    try:
        report = seed_profile(size)
    except ProfileError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    vacuum_after_commit()
    dispatch_ready()
    click.echo(f"{report}\nDone in {time.perf_counter() - started:.1f} seconds.")


@bp.cli.command("create-staff")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in StaffRole]), default=["administrator"])
@click.option("--password", prompt="Password (leave empty to mail a link to choose one)", hide_input=True,
              confirmation_prompt=True, default="", show_default=False)
def create_staff_command(email, name, roles, password):
    """Create a back office account (the same operation as Setup → Staff)."""
    try:
        staff = create_staff(actor=SYSTEM, email=email, name=name, roles=list(roles), password=password or None)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    dispatch_ready()
    how = "" if password else f" We sent {staff.email} a link to choose a password."
    click.echo(f"Staff account {staff.email} created ({', '.join(roles)}).{how}")


@bp.cli.command("worker", with_appcontext=False)
@click.argument("queues", nargs=-1)
@click.option("--name", default=None, help="The worker's name in Redis (default: RQ's).")
@click.option("--burst", is_flag=True, help="Stop once the queues are empty.")
def worker_command(queues, name, burst):
    """Run jobs from Redis (REDIS_URL): mail, follow-ups and schedules. The app is built once."""
    from flask.cli import ScriptInfo

    from jobs.queue import QUEUE_NAMES
    from jobs.worker import run_worker

    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    try:
        run_worker(app, tuple(queues) or QUEUE_NAMES, name=name, burst=burst)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None


@bp.cli.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def serve(host, port):
    """Run the embedded server with the schedules in process (``make run``)."""
    from werkzeug.serving import run_simple

    from jobs.inprocess import start_schedule_thread

    app = current_app._get_current_object()
    start_schedule_thread(app)
    click.echo(f"\n  Atrium runs at http://{host}:{port}/  (back office: http://{host}:{port}/admin/)\n")
    # app.run() is a no-op under the flask command; the server is started directly.
    run_simple(host, port, app, use_reloader=False, threaded=True)
