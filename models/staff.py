"""Back office users: staff with roles such as administrator, support, sales rep."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from extensions import db
from models.base import UTCDateTime, enum_check, utcnow
from models.permissions import STAFF_ROLES, StaffPerm, StaffRole, staff_permissions


class StaffUserRole(db.Model):
    __tablename__ = "staff_user_roles"
    __table_args__ = (enum_check("role", StaffRole, "role"),)

    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(24), primary_key=True)


class StaffUser(db.Model):
    """A back office login. Never a portal login."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    photo: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    role_rows: Mapped[list[StaffUserRole]] = relationship(
        cascade="all, delete-orphan"
    )  # loaded with the signed-in staff member; a representative shown by name does not need them

    kind = "staff"
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"staff:{self.id}:{self.session_version}"

    @property
    def roles(self) -> list[StaffRole]:
        return sorted(StaffRole(r.role) for r in self.role_rows)

    @roles.setter
    def roles(self, values) -> None:
        wanted = {StaffRole(v).value for v in values}
        self.role_rows = [r for r in self.role_rows if r.role in wanted] + [
            StaffUserRole(role=v) for v in sorted(wanted - {r.role for r in self.role_rows})
        ]

    @property
    def role_names(self) -> str:
        return ", ".join(STAFF_ROLES[r][0] for r in self.roles)

    @property
    def permissions(self) -> frozenset[StaffPerm]:
        return staff_permissions(self.roles)

    def can(self, perm: StaffPerm) -> bool:
        return perm in self.permissions

    def end_sessions(self) -> None:
        """Invalidate every session of this account on the server: copied cookies stop working."""
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
