"""Every back office model view opens for an administrator: list, create, edit and details, none a 500.

A view whose form or template is broken (as Setup → Staff once was) fails here
before a clerk meets it.
"""
from __future__ import annotations

import pytest
from flask_admin.contrib.sqla import ModelView
from sqlalchemy import select

from extensions import db


def _model_views(app):
    return sorted((v for v in app.extensions["atrium_admin"]._views if isinstance(v, ModelView)),
                  key=lambda v: v.endpoint)


def _pages(app):
    """(endpoint, url) of each page of each model view, with the first row for edit and details."""
    with app.app_context():
        for view in _model_views(app):
            base = f"/admin/{view.endpoint}/"
            yield view.endpoint, base
            if view.can_create:
                yield view.endpoint, f"{base}new/"
            row_id = db.session.scalar(select(view.model.id).order_by(view.model.id).limit(1))
            assert row_id is not None, f"the test world has no {view.model.__name__} to open"
            if view.can_edit:
                yield view.endpoint, f"{base}edit/?id={row_id}"
            if view.can_view_details:
                yield view.endpoint, f"{base}details/?id={row_id}"


def test_the_walk_covers_every_model_view(app):
    opened = {endpoint for endpoint, _ in _pages(app)}
    assert opened == {v.endpoint for v in _model_views(app)} and len(opened) >= 10


@pytest.mark.parametrize("kind", ["index", "new", "edit", "details"])
def test_every_page_of_every_model_view_opens(app, login_as, kind):
    client = login_as("admin@atrium.example")
    pages = [(e, url) for e, url in _pages(app)
             if (kind == "index" and url.endswith(f"/{e}/")) or f"/{kind}/" in url]
    assert pages
    for endpoint, url in pages:
        response = client.get(url)
        assert response.status_code == 200, (endpoint, url, response.status_code)
