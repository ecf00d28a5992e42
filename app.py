"""The application factory: configuration, extensions, blueprints, CLI."""
from __future__ import annotations

import os

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

import settings
from extensions import csrf, db, mail, migrate


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    configure(app, test_config)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def configure(app: Flask, test_config: dict | None) -> None:
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(settings.defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(settings.from_environment())
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.instance_secret_key(app.instance_path)
    url = app.config["DATABASE_URL"]
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})


def register_extensions(app: Flask) -> None:
    import edge
    import headers
    import jobs.queue
    import locales
    import models  # noqa: F401  (registers every model)
    import security
    from models.transactions import configure_engine

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "migrations"))
    csrf.init_app(app)
    mail.init_app(app)
    security.init_app(app)
    jobs.queue.init_app(app)
    edge.init_app(app)
    locales.init_app(app)
    headers.init_app(app)
    # One vocabulary for both faces and mail: permissions and audit kinds by their plain names.
    from models.audit import AUDIT_KINDS
    from models.permissions import PERM_LABELS
    from models.shops import BOOK_MODE_LABELS, CUSTOMER_TYPE_LABELS
    from models.users import PERIOD_LABELS

    app.jinja_env.globals.update(perm_labels=PERM_LABELS, audit_kinds=AUDIT_KINDS, book_mode_labels=BOOK_MODE_LABELS,
                                 customer_type_labels=CUSTOMER_TYPE_LABELS)
    app.jinja_env.filters["period"] = lambda code: PERIOD_LABELS.get(code, code or "")


def register_blueprints(app: Flask) -> None:
    import backoffice
    from portal import bp as portal_bp

    app.register_blueprint(portal_bp)
    backoffice.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    def render_error(error: HTTPException):
        return render_template(_error_template(), error=error), error.code

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, render_error)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        error.description = (
            "The form was sent without its security token or the token expired. "
            "Reload the page and try again."
        )
        return render_template(_error_template(), error=error), 400


def _error_template() -> str:
    """Errors in the back office keep its layout and lead back to its home; the portal's lead to the portal."""
    return "errors/backoffice_error.html" if request.path.startswith("/admin") else "errors/error.html"


def register_commands(app: Flask) -> None:
    from cli import bp as cli_bp

    app.register_blueprint(cli_bp)
