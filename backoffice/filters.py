"""List filters whose choices come from the database, and EXISTS filters for to-many relations.

Flask-Admin reads a filter's options once, when the view is built (outside any
request). ``LiveFilterOptions`` re-reads options given as callables on every
list page, so a state, shop or role added in the back office shows up at once.
Filters over to-many relations use EXISTS, so a user in two shops is listed once.
"""
from __future__ import annotations

from flask import has_app_context
from flask_admin.babel import lazy_gettext
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from sqlalchemy import any_, exists, func, select

from extensions import db


def live_options(loader):
    """Wrap an options loader so it is harmless when Flask-Admin calls it at start-up."""

    def options():
        return loader() if has_app_context() else []

    return options


class LiveFilterOptions:
    """Mixin for ModelViews: refresh callable filter options per request."""

    def _get_filter_groups(self):
        groups = super()._get_filter_groups()
        if not groups:
            return groups
        for items in groups.values():
            for item in items:
                flt = self._filters[item["index"]]
                if callable(flt.options):
                    item["options"] = [(str(k), str(v)) for k, v in flt.options()] or None
        return groups


class ExistsFilter(BaseSQLAFilter):
    """Rows for which a correlated sub-query finds a match: ``where(value) -> clause``."""

    def __init__(self, column, name, where, options=None, operation="equals"):
        super().__init__(column, name, options=options)
        self.where = where
        self._operation = operation

    def apply(self, query, value, alias=None):
        return query.filter(exists().where(*self.where(value)))

    def operation(self):
        return lazy_gettext(self._operation)


class ValueInFilter(BaseSQLAFilter):
    """``column IN (sub-query(value))``: e.g. audit rows of companies whose name contains a text."""

    def __init__(self, column, name, subquery, operation="contains"):
        super().__init__(column, name)
        self.subquery = subquery
        self._operation = operation

    def apply(self, query, value, alias=None):
        return query.filter(self.column.in_(self.subquery(value)))

    def operation(self):
        return lazy_gettext(self._operation)


class ClauseFilter(BaseSQLAFilter):
    """Rows matching ``clause(value)``: e.g. a name filter over first, last and full name."""

    def __init__(self, column, name, clause, operation="contains", options=None):
        super().__init__(column, name, options=options)
        self.clause = clause
        self._operation = operation

    def apply(self, query, value, alias=None):
        return query.filter(self.clause(value))

    def operation(self):
        return lazy_gettext(self._operation)


def in_subquery(column, subquery):
    """``column IN (subquery)``, written on PostgreSQL as ``= ANY(ARRAY(subquery))``: the subquery runs once
    first, so an OR of this with other conditions can still read each one's index (an IN subquery there
    turns the whole OR into a scan of the table)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(func.array(subquery.scalar_subquery()))
    return column.in_(subquery)


def shop_choices():
    from models.shops import Shop

    shops = db.session.execute(select(Shop.id, Shop.name, Shop.code).order_by(Shop.name))
    return [(str(shop_id), f"{name} ({code})") for shop_id, name, code in shops]
