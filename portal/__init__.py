"""The customer portal: pages for company users."""
from flask import Blueprint

bp = Blueprint("portal", __name__, template_folder="../templates")

from portal import (  # noqa: E402,F401
    account,
    assets,
    auth,
    cart,
    cart_session,
    catalog,
    checkout,
    company,
    context,
    dashboard_settings,
    files,
    home,
    inquiries,
    onboarding,
    order_templates,
    orders,
    people,
    quick_order,
    quotes,
    recurring,
    services,
    signup,
)
