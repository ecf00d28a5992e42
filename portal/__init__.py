"""The customer portal: pages for company users."""
from flask import Blueprint

bp = Blueprint("portal", __name__, template_folder="../templates")

from portal import account, auth, context, home, onboarding  # noqa: E402,F401
