"""Bulk operations and jobs, timed per row through the model functions and jobs themselves.

``OPERATIONS`` is the list to extend: each bulk operation or job joins as one
more ``Operation`` naming the functions it covers (the scheduled jobs' work is
prepared in ``bench.scheduled``).
``unmeasured_jobs`` lists the jobs no operation covers, so the report shows
what is still missing.

Each round prepares its input (not timed), runs the operation and commits
(timed, as the request or job that calls it would), then puts the data back
(not timed) so that every round, and the next operation, starts alike.
"""
from __future__ import annotations

import importlib
import inspect
import itertools
import pkgutil
import statistics
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Callable

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import joinedload, selectinload

from bench import scheduled
from extensions import db

_lists = itertools.count()


@dataclass(frozen=True)
class World:
    """Who acts: Acme's Account Admin in the portal, the administrator in the back office."""

    company_id: int
    admin: object
    staff: object


@dataclass(frozen=True)
class Operation:
    name: str
    covers: tuple[str, ...]  # the model operations and jobs it exercises
    rows: int
    prepare: Callable[[World, int], object]  # its input for ``rows`` rows
    run: Callable[[World, object], int]  # the work; returns how many rows it handled
    undo: Callable[[World, object], None] = lambda world, state: None


def _address_list(_world: World, rows: int) -> bytes:
    n = next(_lists)
    return "\n".join(f"list{n}-{i}@acme.example" for i in range(rows)).encode()


def _invite_list(world: World, data: bytes) -> int:
    from models.companies import Company
    from models.invitations import invite_many, read_address_list
    from models.users import Role

    company = db.session.get(Company, world.company_id)
    role = db.session.scalar(select(Role).where(Role.key == "buyer"))
    return len(invite_many(company, read_address_list(data, "list.csv"), role, actor=world.admin))


def _deliver_mail(_world: World = None, _state: object = None) -> None:
    from jobs.queue import dispatch_ready

    dispatch_ready(db.session)


def _invited_list(world: World, rows: int) -> int:
    """A committed list of invitations whose mails wait for their delivery job."""
    invited = _invite_list(world, _address_list(world, rows))
    db.session.commit()
    return invited


def _deliver_invitations(_world: World, invited: int) -> int:
    _deliver_mail()
    return invited


def _stranded_mail(world: World, rows: int) -> int:
    """Invitation mails left pending for a while, as when Redis was down at commit."""
    from models.base import utcnow
    from models.followups import FollowUp, FollowUpState, take_committed
    from models.mail import MailState, OutboxMessage

    invited = _invited_list(world, rows)
    take_committed(db.session)
    db.session.execute(update(FollowUp).where(FollowUp.state == FollowUpState.PENDING.value)
                       .values(state=FollowUpState.DONE.value))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.state == MailState.PENDING.value)
                       .values(created_at=utcnow() - timedelta(minutes=10)))
    return invited


def _resend_pending(_world: World, _invited: int) -> int:
    from jobs.mail import resend_pending_mail

    return resend_pending_mail()


def _customers(_world: World, rows: int) -> list[int]:
    """The newest active customers of any company, Account Admins left out (a company keeps its admins)."""
    from models.users import CompanyUser, Role

    return list(db.session.scalars(
        select(CompanyUser.id).where(CompanyUser.active.is_(True), ~CompanyUser.roles.any(Role.key == "account_admin"))
        .order_by(CompanyUser.id.desc()).limit(rows)))


def _set_active(active: bool) -> Callable[[World, list[int]], int]:
    """The back office's bulk (de)activation: rows by id with their roles, then one set-based operation."""
    def run(world: World, ids: list[int]) -> int:
        from models.members import set_users_active
        from models.users import CompanyUser

        users = db.session.scalars(select(CompanyUser).where(CompanyUser.id.in_(ids))
                                   .options(selectinload(CompanyUser.roles), joinedload(CompanyUser.company))).all()
        set_users_active(users, active, actor=world.staff)
        return len(users)
    return run


def _set_shop_access(enabled: bool) -> Callable[[World, list[int]], int]:
    """The back office's bulk shop access: users with their assignments, then one set-based operation."""
    def run(world: World, ids: list[int]) -> int:
        from models.shops import ShopAssignment, set_assignment_states
        from models.users import CompanyUser

        users = db.session.scalars(select(CompanyUser).where(CompanyUser.id.in_(ids)).options(
            selectinload(CompanyUser.shop_assignments).joinedload(ShopAssignment.shop))).all()
        set_assignment_states([a for user in users for a in user.shop_assignments], enabled, actor=world.staff)
        return len(users)
    return run


def _bench_products(count: int) -> list[str]:
    """The SKUs of ``count`` products only the benchmark orders (delivered, base prices in EUR and USD), added
    in bulk the first time: every profile orders the same, whatever its own catalog holds."""
    from models.catalog import Product, ProductType, ShipmentType, product_shipment_types
    from models.pricing import BASE_GROUP, Price, PriceList

    skus = [f"QO-BENCH-{n:04d}" for n in range(count)]
    missing = set(skus) - set(db.session.scalars(select(Product.sku).where(Product.sku.in_(skus))))
    if missing:
        standard = db.session.scalar(select(ProductType.id).where(ProductType.key == "standard"))
        delivery = db.session.scalar(select(ShipmentType.id).where(ShipmentType.key == "delivery"))
        lists = db.session.scalars(select(PriceList.id).where(PriceList.customer_group == BASE_GROUP)).all()
        db.session.execute(insert(Product), [{"sku": sku, "name": f"Benchmark part {sku}", "description": "",
                                              "product_type_id": standard, "active": True} for sku in sorted(missing)])
        ids = db.session.scalars(select(Product.id).where(Product.sku.in_(missing))).all()
        db.session.execute(insert(product_shipment_types), [{"product_id": i, "shipment_type_id": delivery}
                                                            for i in ids])
        db.session.execute(insert(Price), [{"price_list_id": list_id, "product_id": i, "min_quantity": 1,
                                            "amount": Decimal("1.50")} for i in ids for list_id in lists])
    return skus


def _quick_order_file(world: World, rows: int) -> bytes:
    """A quick order CSV of ``rows`` lines (a product each), for an empty cart."""
    skus = _bench_products(rows)
    _drop_cart(world)
    return ("sku,quantity\n" + "".join(f"{sku},2\n" for sku in skus)).encode()


def _quick_order(world: World, data: bytes) -> int:
    """The portal's quick order upload, without the page: read the file, open the cart, add every line."""
    from models.carts import add_to_cart, open_cart
    from models.quick_order import read_quick_order_csv
    from models.users import CompanyUser

    buyer = db.session.get(CompanyUser, world.admin.customer_id)
    rows, _problems = read_quick_order_csv(data)
    reports = add_to_cart(open_cart(buyer, buyer.company.shop), [(row.sku, row.quantity) for row in rows],
                          actor=world.admin, source="quick_order")
    return sum(1 for report in reports if report.ok)


def _drop_cart(world: World, _state: object = None) -> None:
    from models.carts import Cart

    db.session.execute(delete(Cart).where(Cart.owner_id == world.admin.customer_id))  # its lines cascade
    db.session.expire_all()


def _quick_order_operation(rows: int) -> Operation:
    return Operation(f"quick order CSV of {rows:,} lines into a cart", ("models.quick_order.read_quick_order_csv",
                                                                       "models.carts.add_to_cart"),
                     rows, _quick_order_file, _quick_order, _drop_cart)


def _then_deliver(run: Callable[[World, object], int]) -> Callable[[World, object], None]:
    def undo(world: World, state: object) -> None:
        run(world, state)
        db.session.commit()
        _deliver_mail()
    return undo


OPERATIONS: list[Operation] = [
    Operation("invitation list of 1,000 (upload)", ("models.invitations.invite_many",), 1000,
              _address_list, _invite_list, _deliver_mail),
    Operation("deliver 1,000 invitation mails (job)", ("jobs.mail.deliver_mails", "jobs.runner.run_follow_up"),
              1000, _invited_list, _deliver_invitations),
    Operation("re-send 1,000 stranded mails (periodic job)", ("jobs.mail.resend_pending_mail",
                                                               "jobs.mail.deliver_mails"),
              1000, _stranded_mail, _resend_pending),
    Operation("deactivate 100 customers (back office action)", ("models.members.set_users_active",), 100,
              _customers, _set_active(False), _then_deliver(_set_active(True))),
    Operation("disable shop access of 100 customers (back office action)", ("models.shops.set_assignment_states",),
              100, _customers, _set_shop_access(False), _then_deliver(_set_shop_access(True))),
    *(_quick_order_operation(rows) for rows in (10, 100, 1000)),
    Operation("maintenance reminders for 500 assets (daily job; rows: the mails)", ("jobs.aftersales.send_maintenance_reminders",),
              500, scheduled.due_assets, scheduled.remind, scheduled.restore_assets),
    Operation("notices of 200 recurring orders (daily job)", ("jobs.ordering.send_recurring_notices",), 200,
              scheduled.notices_due, scheduled.send_notices, scheduled.deliver_mail),
    Operation("expire 500 quotes past their date (daily job)", ("jobs.ordering.expire_quotes",), 500,
              scheduled.answered_quotes, scheduled.expire_quotes, scheduled.deliver_mail),
    Operation("place 200 recurring orders (daily job)", ("jobs.ordering.run_recurring_orders",), 200,
              scheduled.recurring_due, scheduled.run_recurring, scheduled.drop_placed_orders),
]


def make_world() -> World:
    from bench.catalog import PORTAL_USER, STAFF_USER, company_id
    from models.actors import Actor
    from models.staff import StaffUser
    from models.users import CompanyUser

    anna = db.session.scalar(select(CompanyUser).where(CompanyUser.email == PORTAL_USER)
                             .options(joinedload(CompanyUser.roles)))
    staff = db.session.scalar(select(StaffUser).where(StaffUser.email == STAFF_USER))
    return World(company_id(), Actor.for_company_user(anna), Actor.for_staff(staff))


def time_operation(operation: Operation, counter, rounds: int, rows: int | None = None) -> dict:
    """Median time of ``rounds`` runs (each committed), per row, and the statements of one run."""
    times, statements, handled = [], [], 0
    for _ in range(rounds):
        world = make_world()
        state = operation.prepare(world, rows or operation.rows)
        db.session.commit()
        sql_before, start = counter.count, time.perf_counter()
        handled = operation.run(world, state)
        db.session.commit()
        times.append((time.perf_counter() - start) * 1000)
        statements.append(counter.count - sql_before)
        operation.undo(world, state)
        db.session.commit()
    median = statistics.median(times)
    return {"name": operation.name, "covers": list(operation.covers), "rows": handled, "median_ms": median,
            "per_row_ms": median / max(handled, 1), "sql": max(statements)}


def job_paths() -> list[str]:
    """Every job Atrium runs: those on a schedule and those a follow-up may run (``@job``)."""
    import jobs
    from jobs.schedules import SCHEDULES

    paths = {schedule.func_path for schedule in SCHEDULES}
    for info in pkgutil.iter_modules(jobs.__path__):
        module = importlib.import_module(f"jobs.{info.name}")
        paths |= {f"{module.__name__}.{name}" for name, func in vars(module).items()
                  if inspect.isfunction(func) and getattr(func, "is_follow_up_job", False)
                  and func.__module__ == module.__name__}
    return sorted(paths)


def unmeasured_jobs(operations: list[Operation] = OPERATIONS) -> list[str]:
    covered = {path for operation in operations for path in operation.covers}
    return [path for path in job_paths() if path not in covered]
