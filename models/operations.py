"""Operations declare who may call them; one function checks it before they run.

Every function in ``models/`` that changes data for a person is an operation::

    @operation(Perm.MANAGE_USERS, staff=StaffPerm.MANAGE_CUSTOMERS, on="user")
    def set_budget(user, *, actor, ...): ...

The decorator checks the rule before the body runs, so no door (portal view,
back office action, agent, job, CLI) can forget it:

- the system (jobs, CLI) may do anything;
- staff need the named staff permission (``staff=None``: staff may not);
- a company user, or an agent acting for one, must be of the company of the
  argument named by ``on`` and hold ``perm`` (``perm=None``: only staff);
  ``self_service`` lets a company user act on their own account without it;
  acting on another user (``on="user"``) also needs every permission that
  user holds, or the Account Admin role over a non-admin
  (``Actor.may_act_on``); acting on an invitation needs its role's permissions;
- ``public`` operations (sign-up, applications, invitation links) are open to
  visitors; ``per_transition`` ones check a permission stored with the data
  (the workflow engine); ``guest`` ones also let a visitor in, and their body
  checks that the row is the visitor's own (a visitor's cart).

``OPERATIONS`` lists them all; ``tests/test_operation_walk.py`` calls each one
with actors lacking the permission and checks that nothing changes.
"""
from __future__ import annotations

import contextvars
import functools
import inspect
from dataclasses import dataclass
from typing import Callable

from models.actors import Actor, ActorKind
from models.base import NotPermitted
from models.permissions import Perm, StaffPerm


@dataclass(frozen=True)
class Rule:
    perm: Perm | None = None
    staff: StaffPerm | None = None
    on: str | None = None
    self_service: bool = False
    public: bool = False
    per_transition: bool = False
    guest: bool = False


OPERATIONS: dict[str, Callable] = {}
PARTS: dict[str, Callable] = {}
_inside = contextvars.ContextVar("inside_operation", default=0)


def operation(perm: Perm | None = None, *, staff: StaffPerm | None = None, on: str | None = None,
              self_service: bool = False, public: bool = False, per_transition: bool = False,
              guest: bool = False):
    """Declare an operation and the rule its actor must satisfy (see the module docstring)."""
    rule = Rule(perm, staff, on, self_service, public, per_transition, guest)

    def decorate(func):
        signature = inspect.signature(func)
        if not public and "actor" not in signature.parameters:
            raise TypeError(f"{func.__qualname__} is an operation and must take actor=")
        if on is not None and on not in signature.parameters:
            raise TypeError(f"{func.__qualname__} has no argument {on!r}")

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if not (public or per_transition):
                bound = signature.bind(*args, **kwargs)
                authorize(bound.arguments.get("actor"), rule, bound.arguments.get(on) if on else None)
            token = _inside.set(_inside.get() + 1)
            try:
                return func(*args, **kwargs)
            finally:
                _inside.reset(token)

        wrapper.rule = rule
        OPERATIONS[f"{func.__module__}.{func.__name__}"] = wrapper
        return wrapper

    return decorate


def part_of_operation(func):
    """A step that other operations compose after checking their own rule (it checks none).

    Called from anywhere but inside an operation, it raises: a view cannot use
    it to skip a rule.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if not _inside.get():
            raise RuntimeError(f"{func.__qualname__} runs only inside an operation")
        return func(*args, **kwargs)

    PARTS[f"{func.__module__}.{func.__name__}"] = wrapper
    return wrapper


def company_of(target) -> int | None:
    """The company a row belongs to: a company's own id, else its ``company_id``."""
    if target is None:
        return None
    if type(target).__name__ == "Company":
        return target.id
    return getattr(target, "company_id", None)


def authorize(actor: Actor, rule: Rule, target=None) -> None:
    """Raise ``NotPermitted`` unless ``actor`` satisfies ``rule`` for ``target``."""
    if not isinstance(actor, Actor):
        raise TypeError(f"actor must be an Actor, not {type(actor).__name__}")
    if actor.is_system:
        return
    if actor.acts_as_staff:
        if rule.staff is None:
            raise NotPermitted("This is done by the company's own users, not in the back office.")
        if not actor.can(rule.staff):
            raise NotPermitted("Your staff roles do not allow this.")
        return
    if not actor.acts_as_customer:
        if rule.guest and actor.kind is ActorKind.VISITOR:
            return  # the operation checks that the row is the visitor's own
        raise NotPermitted("Please sign in first.")
    company_id = company_of(target)
    if company_id is not None and company_id != actor.company_id:
        raise NotPermitted("That belongs to another company.")
    if rule.self_service and actor.is_user(target):
        return
    if rule.perm is None:
        raise NotPermitted("This is done by Atrium staff.")
    if not actor.can(rule.perm):
        raise NotPermitted("Your roles do not allow this.")
    if rule.on == "user" and target is not None and not actor.may_act_on(target):
        raise NotPermitted(f"You cannot change {target.full_name}'s account: they hold permissions you do not.")
    if rule.on == "invitation" and target is not None and not actor.holds_all(target.role.permissions):
        raise NotPermitted(f"You cannot change this invitation: the role {target.role.name} has permissions "
                           "you do not hold.")


def require_staff(actor: Actor, message: str) -> None:
    """A part of an operation that only staff (or the system) may do."""
    if not (actor.is_system or actor.acts_as_staff):
        raise NotPermitted(message)
