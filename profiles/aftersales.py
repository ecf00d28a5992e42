"""After-sales data of a data profile: companies' equipment (assets), their inquiries, their documents (files).

Assets go to the companies that order the most (the audit share of ``words.BIG``: Acme gets thousands at L),
each filed under a business unit of its company with its ``asset_units`` row (a tenth shared with a second unit
of the same company), recorded by one of the company's people or by nobody in particular, serial numbers
counted per company. Inquiries are written by the companies' people over two years: asset inquiries about an
asset of their company, order claims about an order of their company (after it was placed), the recent ones
still open, the old ones closed with a resolution. Their moves are not written to the workflow history or the
audit log: a page reads one inquiry's history, and the profile's audit log keeps the size it promises.

Files are rows only, company documents shared by staff and documents of assets: no bytes are written to the
storage (``models.storage``), so a profile file has nothing behind its key and downloading one finds nothing
(the portal answers 404; a download must check ``storage().exists(key)`` before it sends the bytes).
Everything goes in a batch at a time through ``plan.insert``, nothing row by row through the ORM.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from extensions import db
from models.assets import Asset, AssetStatus, AssetUnit
from models.files import Category, File
from models.inquiries import RESOLUTION_LENGTH, Inquiry, InquiryType
from models.orders import Order
from models.storage import new_key
from models.users import CompanyUser
from models.workflow_engine import get_workflow

if TYPE_CHECKING:
    from profiles import Firm, Plan

BATCH = 5_000  # rows built and inserted at a time
HISTORY_DAYS = 730
MACHINES = [("Hydraulic press", "HP"), ("CNC lathe", "CL"), ("Compressor", "CP"), ("Forklift", "FL"),
            ("Packaging line", "PL"), ("Conveyor belt", "CB"), ("Milling machine", "MM"), ("Welding robot", "WR"),
            ("Industrial boiler", "IB"), ("Cooling tower", "CT"), ("Generator", "GN"), ("Laser cutter", "LC"),
            ("Injection moulding machine", "IM"), ("Air handling unit", "AH"), ("Pump station", "PS")]
ASSET_STATUSES = {AssetStatus.IN_USE.value: 82, AssetStatus.IN_REPAIR.value: 7,
                  AssetStatus.OUT_OF_SERVICE.value: 5, AssetStatus.RETIRED.value: 6}
INTERVALS = (3, 6, 12)  # months between maintenance visits
TYPE_MIX = {"general": 40, "asset": 35, "order_claim": 25}
#: the states of inquiries younger than a number of days (the last: any age), with their weights
STATES = [(3, {"pending": 70, "in_review": 25, "canceled": 5}),
          (21, {"pending": 20, "in_review": 40, "approved": 18, "rejected": 10, "canceled": 12}),
          (None, {"approved": 60, "rejected": 27, "canceled": 13})]
RESOLVED = ("approved", "rejected")  # the states whose decision leaves a resolution
SUBJECTS = {
    "general": ["Question about our service contract", "Request for a maintenance visit", "Training for new "
                "operators", "Change of our invoice address", "Quote for spare parts", "Delivery times next month"],
    "asset": ["{} makes an unusual noise", "{} shows an error code", "{} loses pressure", "Spare parts for {}",
              "{} needs its maintenance early", "Leak at {}"],
    "order_claim": ["Parts missing from our delivery", "Goods damaged in transit", "Wrong item delivered",
                    "Invoice does not match the order", "Delivery arrived late"],
}
DESCRIPTIONS = ["Please get back to us this week.", "Details are in our maintenance log; call me for more.",
                "This stops part of our production, please treat it as urgent.",
                "We noticed it during the weekly check.", "Our site manager can show your technician around."]
APPROVALS = ["A replacement ships this week.", "Our technician comes on the date we agreed.",
             "We credit the amount on your next invoice.", "The spare parts are on their way.",
             "Answered by phone; the offer follows by mail."]
REJECTIONS = ["Please send us photos of the part.", "The warranty ended last year; we sent you a quote.",
              "Our technician found the machine working as specified."]
ASSET_DOCUMENTS = [("operating manual", Category.MANUAL.value), ("wiring diagram", Category.MANUAL.value),
                   ("service report {year}", Category.SERVICE_REPORT.value),
                   ("inspection certificate {year}", Category.OTHER.value),
                   ("spare parts list", Category.OTHER.value)]
COMPANY_DOCUMENTS = [("Service contract {year}", Category.CONTRACT.value),
                     ("Price agreement {year}", Category.CONTRACT.value),
                     ("Annual service report {year}", Category.SERVICE_REPORT.value),
                     ("Safety instructions", Category.MANUAL.value), ("Maintenance plan {year}", Category.OTHER.value)]


def seed_assets(plan: Plan, count: int) -> None:
    """``count`` assets with their unit assignments, most of them at the companies that order the most."""
    rng, people, today = plan.rng, _people(plan), plan.now.date()
    firms = [f for f in plan.firms if f.status != "pending" and f.units]
    if not firms:
        return
    picks = rng.choices(firms, [f.weights[2] for f in firms], k=count)
    made = sorted(((_since(plan, firm), n, firm) for n, firm in enumerate(picks)), key=lambda m: m[:2])
    taken = {tuple(row) for row in db.session.execute(select(Asset.company_id, Asset.serial_number))}
    numbers, ids = Counter(), plan.ids(Asset.__table__, count)
    for start in range(0, count, BATCH):
        assets, units = [], []
        for asset_id, (at, _, firm) in zip(ids[start:start + BATCH], made[start:start + BATCH]):
            machine, code = rng.choice(MACHINES)
            serial = None
            while serial is None or (firm.id, serial) in taken:
                numbers[firm.id] += 1
                serial = f"{code}{at:%y}-{numbers[firm.id]:05d}"
            owner = rng.choice(people[firm.id]) if people[firm.id] and rng.random() < 0.75 else None
            unit_id = owner[3] if owner and owner[3] else rng.choice(firm.units)[0]
            status = rng.choices(list(ASSET_STATUSES), list(ASSET_STATUSES.values()))[0]
            scheduled = status != AssetStatus.RETIRED.value and rng.random() < 0.64
            assets.append({"id": asset_id, "company_id": firm.id, "business_unit_id": unit_id,
                           "owner_id": owner[0] if owner else None, "name": f"{machine} {rng.randint(100, 9999)}",
                           "serial_number": serial, "status": status, "note": "", "image_file_id": None,
                           "reference": f"INV-{rng.randint(1000, 99999)}" if rng.random() < 0.7 else "",
                           "maintenance_months": rng.choice(INTERVALS) if scheduled else None,
                           "next_maintenance_on": today + timedelta(days=rng.randint(-200, 200)) if scheduled
                           else None, "maintenance_notice_for": None, "created_at": at, "updated_at": at})
            units.append({"asset_id": asset_id, "business_unit_id": unit_id})
            others = [u for u, _ in firm.units if u != unit_id]
            if others and rng.random() < 0.1:
                units.append({"asset_id": asset_id, "business_unit_id": rng.choice(others)})
        plan.insert(Asset.__table__, assets)
        plan.insert(AssetUnit.__table__, units)


def seed_inquiries(plan: Plan, count: int) -> None:
    """``count`` inquiries of the companies' people over two years, of the three shipped types, in the states
    of their type's workflow by age; asset inquiries and order claims about the author's company's own."""
    from profiles import ProfileError

    rng, people = plan.rng, _people(plan)
    kinds = {kind.key: kind for kind in db.session.scalars(select(InquiryType).where(InquiryType.key.in_(TYPE_MIX)))}
    if set(kinds) != set(TYPE_MIX):
        raise ProfileError("The inquiry types general, asset and order_claim are missing; run the migrations.")
    flows = {key: _flow(kind) for key, kind in kinds.items()}
    assets, orders = _assets(plan), _orders(plan)
    firms = [f for f in plan.firms if f.status != "pending" and people[f.id]]
    if not firms:
        return
    drafts = []
    for n, firm in enumerate(rng.choices(firms, [f.weights[2] for f in firms], k=count)):
        key = rng.choices(list(TYPE_MIX), list(TYPE_MIX.values()))[0]
        if key == "asset" and assets[firm.id]:
            about = rng.choice(assets[firm.id])  # (asset id, name, created at, owner)
            at = _after(plan, about[2])
        elif key == "order_claim" and orders[firm.id]:
            about = rng.choice(orders[firm.id])  # (order id, placed at)
            at = about[1] + (min(plan.now, about[1] + timedelta(days=30)) - about[1]) * rng.uniform(0.05, 1)
        else:
            key, about, at = "general", None, _since(plan, firm)
        drafts.append((at, n, firm, key, about))
    drafts.sort(key=lambda d: d[:2])
    ids = plan.ids(Inquiry.__table__, count)
    for start in range(0, count, BATCH):
        plan.insert(Inquiry.__table__, [_inquiry(plan, people, kinds[key], flows[key], inquiry_id, firm, at, about)
                                        for inquiry_id, (at, _, firm, key, about)
                                        in zip(ids[start:start + BATCH], drafts[start:start + BATCH])])


def _inquiry(plan: Plan, people, kind: InquiryType, flow: tuple, inquiry_id: int, firm: Firm, at, about) -> dict:
    rng, (states, final, reasons) = plan.rng, flow
    user_id, name, email, unit_id = rng.choice(people[firm.id])
    age = (plan.now - at) / timedelta(days=1)
    mix = next(m for days, m in STATES if days is None or age < days)
    mix = {state: weight for state, weight in mix.items() if state in states} or {states[0]: 1}
    state = rng.choices(list(mix), list(mix.values()))[0]
    resolution = ""
    if state == "approved":
        resolution = rng.choice(APPROVALS)
    elif state == "rejected":
        parts = [rng.choice(reasons)] if reasons else []
        if not parts or rng.random() < 0.3:
            parts.append(rng.choice(REJECTIONS))
        resolution = "\n".join(parts)  # as the decision's side effect keeps it: the reason, then the comment
    subject = rng.choice(SUBJECTS[kind.key])
    return {"id": inquiry_id, "company_id": firm.id, "business_unit_id": unit_id, "owner_id": user_id,
            "type_id": kind.id, "workflow_id": kind.workflow_id, "state": state,
            "subject": subject.format(about[1]) if kind.key == "asset" else subject,
            "description": rng.choice(DESCRIPTIONS), "asset_id": about[0] if kind.key == "asset" else None,
            "order_id": about[0] if kind.key == "order_claim" else None, "author_name": name, "author_email": email,
            "resolution": resolution[:RESOLUTION_LENGTH], "created_at": at,
            "closed_at": at + timedelta(days=rng.uniform(0, min(age, 20))) if state in final else None}


def seed_files(plan: Plan, count: int) -> None:
    """``count`` PDF rows: about half documents of assets (by the asset's recorder or by staff), the rest
    company documents staff shared, most at the companies that order the most. No bytes are stored."""
    rng, people = plan.rng, {p[0]: p for found in _people(plan).values() for p in found}
    support = plan.staff["support@atrium.example"][1].split(" <")[0]
    assets = [(company_id, *asset) for company_id, found in _assets(plan).items() for asset in found]
    firms = [f for f in plan.firms if f.status != "pending"]
    ids = plan.ids(File.__table__, count)
    for start in range(0, count, BATCH):
        rows = []
        for file_id in ids[start:start + BATCH]:
            if assets and rng.random() < 0.5:
                company_id, asset_id, asset_name, created_at, owner_id = rng.choice(assets)
                at = _after(plan, created_at)
                title, category = rng.choice(ASSET_DOCUMENTS)
                name = f"{asset_name} {title.format(year=at.year)}"
                uploader = people.get(owner_id) if rng.random() < 0.6 else None
            else:
                firm = rng.choices(firms, [f.weights[2] for f in firms])[0]
                company_id, asset_id, at, uploader = firm.id, None, _since(plan, firm), None
                title, category = rng.choice(COMPANY_DOCUMENTS)
                name = title.format(year=at.year)
            rows.append({"id": file_id, "company_id": company_id, "asset_id": asset_id, "inquiry_id": None,
                         "owner_id": uploader[0] if uploader else None,
                         "business_unit_id": uploader[3] if uploader else None, "name": f"{name}.pdf"[:160],
                         "content_type": "application/pdf", "size": int(rng.lognormvariate(12.5, 1.0)) + 2_000,
                         "category": category, "storage_key": new_key(), "preview_key": None, "thumbnail_key": None,
                         "uploaded_by": uploader[1] if uploader else support, "uploaded_at": at})
        plan.insert(File.__table__, rows)


def _since(plan: Plan, firm: Firm):
    """A time in the company's life, at most two years back, more of late. The demo's companies were made just
    now, but stand for customers of long standing."""
    age = (plan.now - firm.created_at) / timedelta(days=1) if firm.new else HISTORY_DAYS
    return plan.now - timedelta(days=max(1.0, min(HISTORY_DAYS, age - 1)) * plan.rng.random() ** 1.3)


def _after(plan: Plan, since):
    """A time between ``since`` (at most two years back) and now, more of late."""
    span = min(HISTORY_DAYS, max(0.01, (plan.now - since) / timedelta(days=1)))
    return plan.now - timedelta(days=span * plan.rng.random() ** 1.3)


def _flow(kind: InquiryType) -> tuple[list[str], set[str], list[str]]:
    """The type's workflow as the profile needs it: its states (the initial first), the final ones, the
    labels of its reasons."""
    workflow = get_workflow(kind.workflow.key)
    states = sorted(workflow.states, key=lambda s: (not s.initial, s.position, s.id))
    return ([s.key for s in states], {s.key for s in states if s.final},
            [r.label for r in workflow.reasons if r.active])


def _people(plan: Plan) -> dict[int, list[tuple]]:
    """Per company of the profile, its people: (id, name, e-mail, business unit)."""
    found = defaultdict(list)
    rows = db.session.execute(select(CompanyUser.company_id, CompanyUser.id, CompanyUser.first_name,
                                     CompanyUser.last_name, CompanyUser.email, CompanyUser.business_unit_id)
                              .where(CompanyUser.company_id.in_([f.id for f in plan.firms])))
    for company_id, user_id, first, last, email, unit_id in rows:
        found[company_id].append((user_id, f"{first} {last}".strip()[:170], email, unit_id))
    return found


def _assets(plan: Plan) -> dict[int, list[tuple]]:
    """Per company, the assets the profile added: (id, name, created at, owner id). The demo's few were made
    just now, and inquiries and documents about them would all be minutes old."""
    found = defaultdict(list)
    first = plan.next_id.get(Asset.__tablename__, 1) - plan.counts[Asset.__tablename__]
    rows = db.session.execute(select(Asset.company_id, Asset.id, Asset.name, Asset.created_at, Asset.owner_id)
                              .where(Asset.id >= first).order_by(Asset.id))
    for company_id, *asset in rows:
        found[company_id].append(tuple(asset))
    return found


def _orders(plan: Plan) -> dict[int, list[tuple]]:
    """Per company of the profile, its orders that were not cancelled: (id, placed at), read once."""
    found = defaultdict(list)
    rows = db.session.execute(select(Order.company_id, Order.id, Order.placed_at)
                              .where(Order.company_id.in_([f.id for f in plan.firms]), Order.state != "cancelled")
                              .order_by(Order.id))
    for company_id, order_id, placed_at in rows:
        found[company_id].append((order_id, placed_at))
    return found
