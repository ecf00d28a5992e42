"""What the asset page tests share: signed-in clients, the world's assets and units, a snapshot of what
an asset change could touch, and the asset form."""
from __future__ import annotations

import os
import re
from datetime import timedelta

from sqlalchemy import func, select

from extensions import db
from models.assets import Asset
from models.files import File
from models.quotes import today
from tests import factories as f
from tests.helpers import csrf_token, login

BEN, ANNA, CARL, GINA = ("ben.buyer@acme.example", "anna.admin@acme.example", "carl.ccm@acme.example",
                         "gina.admin@globex.example")
PRESS, COMPRESSOR, FORKLIFT, CHILLER = "Hydraulic press HP-200", "Compressor K7", "Forklift FL-3", "Chiller CH-9"

def _as(app, email: str):
    """A client of its own, signed in as ``email``."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def _asset_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Asset.id).where(Asset.name == name))


def _units(app, company: str = "Acme Industrial") -> dict[str, int]:
    with app.app_context():
        return {unit.name: unit.id for unit in f.company(company).business_units}


def _listed(response) -> list[str]:
    """The asset names the list shows, in its order."""
    return re.findall(r'<a href="/assets/\d+">([^<]+)</a>', response.get_data(as_text=True))


def _documents(response) -> list[str]:
    return re.findall(r'/download" download>([^<]+)</a>', response.get_data(as_text=True))


def _snapshot(app) -> tuple:
    """Everything an asset form could change: the assets with their units, the file rows, the stored bytes."""
    with app.app_context():
        db.session.expire_all()
        assets = sorted((a.id, a.name, a.serial_number, a.reference, a.status, a.note, a.maintenance_months,
                         a.next_maintenance_on, a.image_file_id, tuple(a.unit_names))
                        for a in db.session.scalars(select(Asset)))
        files = db.session.scalar(select(func.count(File.id)))
    stored = sum(len(names) for _, _, names in os.walk(app.config["UPLOAD_FOLDER"]))
    return assets, files, stored


def _asset_form(app, **changes) -> dict:
    units = _units(app)
    form = {"name": "Lathe L-1", "serial_number": "L1-0001", "reference": "INV-777", "status": "in_use",
            "units": [str(units["Plant North"])], "maintenance_months": "12",
            "next_maintenance_on": (today() + timedelta(days=40)).isoformat(), "note": "Bay 3, left of the door."}
    form.update(changes)
    return form


def _post(client, path: str, data: dict, form_page: str | None = None):
    token = csrf_token(client.get(form_page or path).get_data(as_text=True))
    return client.post(path, data=dict(data, csrf_token=token), content_type="multipart/form-data")


# --- who sees what -------------------------------------------------------------------------------
