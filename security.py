"""Who is signed in (Flask-Login), who acts (the ``Actor``) and what they may do (Flask-Principal).

The session holds ``kind:id:version``. The version is bumped on logout,
deactivation and password change, so a copied cookie stops working. Once per
request the signed-in account becomes one ``models.actors.Actor``
(``current_actor()``); Principal's needs, the company scoping of portal
queries, templates and every operation take it from there. Needs:
``("kind", "company"|"staff")``, ``("perm", name)`` for company permissions,
``("staff_perm", name)`` for staff permissions, and ``RoleNeed(role key)``.
"""
from __future__ import annotations

from functools import wraps
from urllib.parse import unquote, urlsplit

from flask import abort, current_app, g, request, url_for
from flask_login import current_user, login_user, user_logged_in, user_logged_out
from flask_principal import (
    AnonymousIdentity,
    Identity,
    Need,
    Permission,
    RoleNeed,
    identity_loaded,
)
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from extensions import db, login_manager, principal
from models.actors import VISITOR, Actor
from models.auth import account_is_usable
from models.companies import Company
from models.permissions import Perm, StaffPerm
from models.scopes import MAX_ID as MAX_ID  # the views import it from here
from models.scopes import get_chosen
from models.scopes import row_id as parse_id
from models.scoping import scope_to_company
from models.shops import Shop, ShopAssignment
from models.staff import StaffUser
from models.users import CompanyUser, adopt_roles, roles_joined

KIND_MODELS = {"company": CompanyUser, "staff": StaffUser}
# Who a company user is, loaded with every request in two statements: the account with its company, roles,
# permissions and shop accesses (one join: a few dozen rows), then the settings of those shops.
IDENTITY = (
    joinedload(CompanyUser.company).options(
        joinedload(Company.shop).lazyload(Shop.customer_settings),  # (the same shop)
        joinedload(Company.default_service_rep),  # the company's representative, shown on its pages
    ),
    joinedload(CompanyUser.business_unit),
    roles_joined(),  # then adopt_roles
    joinedload(CompanyUser.shop_assignments).joinedload(ShopAssignment.shop),
)


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "portal.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    principal.init_app(app)
    identity_loaded.connect_via(app)(_add_needs)
    user_logged_in.connect_via(app)(_forget_actor)
    user_logged_out.connect_via(app)(_forget_actor)
    app.before_request(_scope_portal_queries)
    app.teardown_request(_clear_scope)


@login_manager.user_loader
def load_user(token: str):
    """Load the account named in the session, if its session version still matches."""
    try:
        kind, raw_id, version = token.split(":")
        model = KIND_MODELS[kind]
        query = select(model).where(model.id == int(raw_id))
    except (ValueError, KeyError):
        return None
    if model is CompanyUser:
        query = query.options(*IDENTITY)
    else:
        query = query.options(joinedload(StaffUser.role_rows))
    user = db.session.scalars(query.execution_options(unscoped=True, prepared=True)).unique().one_or_none()
    if user is None or str(user.session_version) != version or not account_is_usable(user):
        return None
    if model is CompanyUser:
        adopt_roles([user])
    return user


def current_actor() -> Actor:
    """Who acts in this request: the ``actor=`` of every operation a view calls."""
    if "actor" not in g:
        g.actor = _actor_for(current_user._get_current_object() if current_user else None)
    return g.actor


def current_company() -> Company | None:
    """The company the actor acts for: the signed-in user's, or the customer an agent acts for."""
    if "company" not in g:
        company_id = current_actor().company_id
        g.company = db.session.get(Company, company_id) if company_id else None  # loaded with the user
    return g.company


def _actor_for(user) -> Actor:
    if user is None or not user.is_authenticated:
        return VISITOR
    if isinstance(user, CompanyUser):
        return Actor.for_company_user(user)
    return Actor.for_staff(user)


def _forget_actor(sender, **extra) -> None:
    """Signing in or out changes who acts for the rest of the request."""
    g.pop("actor", None)
    g.pop("company", None)


@principal.identity_loader
def _identity_from_login():
    if current_user.is_authenticated:
        return Identity(current_user.get_id())
    return AnonymousIdentity()


def _add_needs(sender, identity) -> None:
    actor = current_actor()
    if actor is VISITOR:
        return
    identity.provides.add(Need("kind", "staff" if actor.acts_as_staff else "company"))
    for perm in actor.permissions:
        identity.provides.add(Need("staff_perm" if isinstance(perm, StaffPerm) else "perm", perm.value))
    identity.provides.update(RoleNeed(role) for role in actor.roles)


def _scope_portal_queries() -> None:
    actor = current_actor()
    if actor.acts_as_customer:
        scope_to_company(db.session, actor.company_id)


def _clear_scope(exc=None) -> None:
    scope_to_company(db.session, None)


def is_company_user() -> bool:
    """A company user (or an agent acting for one) is signed in to the portal."""
    return current_actor().acts_as_customer


def is_staff_user() -> bool:
    return current_actor().acts_as_staff


def can(perm: Perm | StaffPerm) -> bool:
    """Whether the current identity holds a named permission (views and templates)."""
    _ensure_identity()
    kind = "perm" if isinstance(perm, Perm) else "staff_perm"
    return Permission(Need(kind, perm.value)).can()


def _ensure_identity() -> None:
    """Load the identity if a request was refused before Principal loaded it.

    CSRF and request-size refusals happen in earlier ``before_request`` steps; their
    error pages still show the signed-in user's navigation.
    """
    if "identity" not in g:
        principal.set_identity(_identity_from_login())


def company_login_required(view):
    """Portal pages: a signed-in company user, or off to the portal sign-in."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not is_company_user():
            abort(403, description="This page is for company users. Staff use the back office.")
        return view(*args, **kwargs)

    wrapper.required_permission = None
    return wrapper


def permission_required(perm: Perm):
    """Portal pages that need a named permission; the walk test reads ``required_permission``."""

    def decorator(view):
        @company_login_required
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not can(perm):
                abort(403, description="Your roles do not allow this page.")
            return view(*args, **kwargs)

        wrapper.required_permission = perm
        return wrapper

    return decorator


def next_url(default_endpoint: str) -> str:
    """Where to go after signing in: the ``next`` asked for if it is a path on this site, else the default."""
    target = request.args.get("next") or request.form.get("next") or ""
    return target if is_local_path(target) else url_for(default_endpoint)


def is_local_path(target: str) -> bool:
    """Whether ``target`` is a path on this site, in every form a browser might read it.

    Refused: other sites (``//host``, ``https://host``), backslashes (``/\\host``), control
    characters (a tab or line break that a browser drops, turning ``/\t/host`` into
    ``//host``, or that would break the Location header), and any of these percent-encoded.
    """
    if not target or len(target) > 2000:
        return False
    candidate = target
    for _ in range(3):  # the target as given, then decoded, then decoded again
        if any(ord(char) < 32 or ord(char) == 127 for char in candidate) or "\\" in candidate:
            return False
        if not candidate.startswith("/") or candidate.startswith("//"):
            return False
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return False
        decoded = unquote(candidate)
        if decoded == candidate:
            return True
        candidate = decoded
    return False


def get_visible_or_404(model, row_id):
    """A row the actor may see by its scope triad (own / business unit / company), or a 404."""
    row = get_chosen(model, row_id, current_actor())
    if row is None:
        abort(404)
    return row


def load_or_404(model, row_id, *options):
    """The row with this id as the signed-in person may see it, or a 404.

    A SELECT (never the identity map), so the company scoping of portal
    sessions applies: another company's id is a 404 like a missing one.
    """
    wanted = parse_id(row_id)
    row = db.session.scalar(select(model).where(model.id == wanted).options(*options)) if wanted is not None else None
    if row is None:
        abort(404)
    return row


def change_password_from(form) -> int | None:
    """Change the signed-in person's password from ``form``; None when done (this session goes on), else
    the status to answer with, the reason on the form. A wrong current password counts, like a failed sign-in."""
    from edge import keep_changes
    from models.auth import Throttled, change_own_password
    from models.base import DomainError

    account = current_user._get_current_object()
    try:
        change_own_password(account, actor=current_actor(), current=form.current_password.data,
                            password=form.password.data, confirm=form.confirm.data)
    except DomainError as error:
        if error.field == "current_password":
            keep_changes()
        if error.field in form:
            form[error.field].errors = [error.message]
        g.edge_refused = error.message
        return 429 if isinstance(error, Throttled) else 400
    login_user(account)  # the new session version: every other session of the account has ended
    return None
