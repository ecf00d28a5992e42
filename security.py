"""Who is signed in (Flask-Login) and what they may do (Flask-Principal).

The session holds ``kind:id:version``. The version is bumped on logout,
deactivation and password change, so a copied cookie stops working. Needs:
``("kind", "company"|"staff")``, ``("perm", name)`` for company permissions,
``("staff_perm", name)`` for staff permissions, and ``RoleNeed(role key)``.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, g, request, url_for
from flask_login import current_user
from flask_principal import AnonymousIdentity, Identity, Need, Permission, RoleNeed, identity_loaded

from extensions import db, login_manager, principal
from models.auth import account_is_usable
from models.permissions import Perm, StaffPerm
from models.scoping import scope_to_company
from models.staff import StaffUser
from models.users import CompanyUser

KIND_MODELS = {"company": CompanyUser, "staff": StaffUser}


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "portal.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    principal.init_app(app)
    identity_loaded.connect_via(app)(_add_needs)
    app.before_request(_scope_portal_queries)
    app.teardown_request(_clear_scope)


@login_manager.user_loader
def load_user(token: str):
    """Load the account named in the session, if its session version still matches."""
    try:
        kind, raw_id, version = token.split(":")
        model = KIND_MODELS[kind]
        user = db.session.get(model, int(raw_id))
    except (ValueError, KeyError):
        return None
    if user is None or str(user.session_version) != version or not account_is_usable(user):
        return None
    return user


@principal.identity_loader
def _identity_from_login():
    if current_user.is_authenticated:
        return Identity(current_user.get_id())
    return AnonymousIdentity()


def _add_needs(sender, identity) -> None:
    user = current_user
    if not user.is_authenticated:
        return
    identity.provides.add(Need("kind", user.kind))
    if isinstance(user, CompanyUser):
        identity.provides.update(Need("perm", p.value) for p in user.permissions)
        identity.provides.update(RoleNeed(r.key or f"custom:{r.id}") for r in user.roles)
    else:
        identity.provides.update(Need("staff_perm", p.value) for p in user.permissions)
        identity.provides.update(RoleNeed(r.value) for r in user.roles)


def _scope_portal_queries() -> None:
    if is_company_user():
        scope_to_company(db.session, current_user.company_id)


def _clear_scope(exc=None) -> None:
    scope_to_company(db.session, None)


def is_company_user() -> bool:
    return current_user.is_authenticated and isinstance(current_user._get_current_object(), CompanyUser)


def is_staff_user() -> bool:
    return current_user.is_authenticated and isinstance(current_user._get_current_object(), StaffUser)


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
    """A safe post-login redirect target: only paths on this site."""
    target = request.args.get("next") or request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for(default_endpoint)


def current_actor():
    """The object passed as ``actor=`` to model operations."""
    return g.get("actor") or current_user._get_current_object()
