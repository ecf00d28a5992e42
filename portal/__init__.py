"""The customer portal: pages for company users."""
from flask import Blueprint

bp = Blueprint("portal", __name__, template_folder="../templates")

from portal import account, auth, company, context, home, onboarding, people, signup  # noqa: E402,F401
