"""Command-line commands: ``flask seed-demo``, ``flask create-staff``, ``flask serve``."""
from __future__ import annotations

import click
from flask import Blueprint, current_app

from extensions import db
from jobs.queue import dispatch_ready
from models.auth import hash_password, normalize_email
from models.permissions import StaffRole
from models.staff import StaffUser

bp = Blueprint("cli", __name__, cli_group=None)


def upgrade_database() -> None:
    """Bring the database to the newest migration, schema and reference data, as ``flask db upgrade`` does."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)


@bp.cli.command("seed-demo")
def seed_demo_command():
    """Create the demo companies, users and staff (password: atrium-demo)."""
    from demo import seed_demo

    created = seed_demo()
    db.session.commit()
    dispatch_ready()
    click.echo("Demo data created." if created else "Demo data already present.")


@bp.cli.command("create-staff")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in StaffRole]), default=["administrator"])
@click.password_option()
def create_staff(email, name, roles, password):
    """Create a back office account."""
    email = normalize_email(email)
    if db.session.scalar(db.select(StaffUser).where(StaffUser.email == email)):
        raise click.ClickException(f"A staff account for {email} already exists.")
    if len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
        raise click.ClickException(f"Choose a password of at least {current_app.config['PASSWORD_MIN_LENGTH']} characters.")
    staff = StaffUser(email=email, name=name, password_hash=hash_password(password))
    staff.roles = roles
    db.session.add(staff)
    db.session.commit()
    click.echo(f"Staff account {email} created ({', '.join(roles)}).")


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
