"""Account mail that a request asks for but does not wait for."""
from __future__ import annotations

from jobs.queue import with_app_context
from jobs.runner import job
from models import auth
from models.staff import StaffUser
from models.users import CompanyUser


@job
@with_app_context
def send_reset_link(email: str, kind: str) -> bool:
    """The reset link asked for at /password-reset (or the back office's), if the address has an account."""
    return auth.send_reset_link(email, StaffUser if kind == "staff" else CompanyUser)
