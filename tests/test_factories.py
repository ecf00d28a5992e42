"""Every model has a factory, and each factory builds a row the database accepts."""
from __future__ import annotations

import inspect

import pytest
from factory.alchemy import SQLAlchemyModelFactory

from extensions import db
from tests import factories

FACTORIES = {
    obj._meta.model: obj for obj in vars(factories).values()
    if inspect.isclass(obj) and issubclass(obj, SQLAlchemyModelFactory) and not obj._meta.abstract
}


def test_every_model_has_a_factory():
    models = {mapper.class_ for mapper in db.Model.registry.mappers}
    assert sorted(m.__name__ for m in models - FACTORIES.keys()) == []


@pytest.mark.parametrize("model", sorted(FACTORIES, key=lambda m: m.__name__), ids=lambda m: m.__name__)
def test_a_factory_builds_a_valid_row(app, model):
    with app.app_context():
        row = FACTORIES[model]()
        db.session.flush()
        key = db.inspect(row).identity
        db.session.expire_all()
        assert db.session.get(model, key) is not None
