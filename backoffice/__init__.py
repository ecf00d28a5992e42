"""The back office: Flask-Admin views for staff, created per app in ``init_app``."""
from __future__ import annotations

import os

import flask_admin
from flask import Blueprint
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from backoffice.base import field_is_a_group
from extensions import db
from headers import csp_nonce
from models.applications import CompanyApplication
from models.attributes import AttributeDefinition, ShopAttribute
from models.audit import AuditEvent
from models.companies import Company
from models.mail import OutboxMessage
from models.shops import Shop
from models.staff import StaffUser
from models.users import CompanyUser
from models.workflows import Workflow, WorkflowTransition


def init_app(app) -> None:
    from backoffice.applications import CompanyApplicationView
    from backoffice.assets import register as register_assets
    from backoffice.attributes import AttributeDefinitionView, ShopAttributeView
    from backoffice.auth import StaffIndexView
    from backoffice.catalog import register as register_catalog
    from backoffice.companies import CompanyView
    from backoffice.content import register as register_content
    from backoffice.customers import CompanyUserView
    from backoffice.files import register as register_files
    from backoffice.inquiries import register as register_inquiries
    from backoffice.orders import register as register_orders
    from backoffice.quotes import register as register_quotes
    from backoffice.recurring import register as register_recurring
    from backoffice.services import register as register_services
    from backoffice.staff import StaffUserView
    from backoffice.system import AuditEventView, OutboxView, ShopView
    from backoffice.workflow import WorkflowTransitionView, WorkflowView

    admin = Admin(
        name="Atrium back office",
        index_view=StaffIndexView(name="Home", url="/admin", endpoint="admin"),
        theme=Bootstrap4Theme(base_template="backoffice/master.html", fluid=True),
        csp_nonce_generator=csp_nonce,
    )
    customers = "Customers"
    admin.add_view(CompanyView(Company, db, name="Companies", endpoint="companies", category=customers))
    admin.add_view(CompanyUserView(CompanyUser, db, name="Company users", endpoint="company_users", category=customers))
    admin.add_view(
        CompanyApplicationView(CompanyApplication, db, name="Applications", endpoint="applications", category=customers)
    )
    register_orders(admin)
    register_quotes(admin)
    register_recurring(admin)
    register_inquiries(admin)
    register_assets(admin)
    register_files(admin)
    register_catalog(admin)
    register_services(admin)
    admin.add_view(ShopView(Shop, db, name="Shops", endpoint="shops", category="Setup"))
    admin.add_view(AttributeDefinitionView(
        AttributeDefinition, db, name="Customer attributes", endpoint="attributes", category="Setup"
    ))
    admin.add_view(ShopAttributeView(ShopAttribute, db, name="Shop attributes", endpoint="shop_attributes", category="Setup"))
    admin.add_view(StaffUserView(StaffUser, db, name="Staff", endpoint="staff", category="Setup"))
    register_content(admin)
    admin.add_view(WorkflowView(Workflow, db, name="Workflows", endpoint="workflows", category="Setup"))
    admin.add_view(
        WorkflowTransitionView(WorkflowTransition, db, name="Transitions", endpoint="transitions", category="Setup")
    )
    admin.add_view(OutboxView(OutboxMessage, db, name="Outbox", endpoint="outbox", category="System"))
    admin.add_view(AuditEventView(AuditEvent, db, name="Audit log", endpoint="audit", category="System"))
    admin.init_app(app)
    # Flask-Admin's own templates under their full name, so that templates/admin/lib.html can build on them.
    originals = os.path.join(os.path.dirname(flask_admin.__file__), "templates")
    app.register_blueprint(Blueprint("flask_admin_originals", __name__, template_folder=originals))
    app.jinja_env.globals["field_is_a_group"] = field_is_a_group
    app.extensions["atrium_admin"] = admin
