"""The portal home: the dashboard of a signed-in company user."""
from flask import render_template
from flask_login import current_user

from portal import bp
from security import company_login_required


@bp.route("/")
@company_login_required
def home():
    return render_template("portal/home.html", user=current_user)
