"""mail links sealed, never shown to staff

Mail with a password or invitation link was stored with its token in the
body, where every staff role that reads the Outbox could open it. The token
is now hidden in the body and kept sealed beside it until delivery. Mail
already written is rewritten the same way: delivered mail loses its link,
mail still waiting keeps it sealed.

Revision ID: df876864734a
Revises: 7a1e69680fb4
Create Date: 2026-11-24 00:42:41.217314

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'df876864734a'
down_revision = '7a1e69680fb4'
branch_labels = None
depends_on = None

LINK = re.compile(r"/(?:invitations|password-reset|admin/password)/([A-Za-z0-9_-]{20,})")
outbox = sa.table("outbox_messages", sa.column("id", sa.Integer), sa.column("state", sa.String),
                  sa.column("body_text", sa.Text), sa.column("body_html", sa.Text),
                  sa.column("sealed_secret", sa.Text))


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_secret', sa.Text(), nullable=True))
    _hide_stored_links(op.get_bind())


def _hide_stored_links(connection):
    from models.sealing import hide, seal

    rows = connection.execute(sa.select(outbox.c.id, outbox.c.state, outbox.c.body_text, outbox.c.body_html)
                              .where(outbox.c.body_text.like("%/invitations/%")
                                     | outbox.c.body_text.like("%/password-reset/%")
                                     | outbox.c.body_text.like("%/admin/password/%"))).all()
    changes = []
    for row in rows:
        found = LINK.search(row.body_text)
        if found is not None:
            token = found.group(1)
            changes.append({"row_id": row.id, "text": hide(row.body_text, token), "html": hide(row.body_html, token),
                            "sealed": seal(token) if row.state == "pending" else None})
    if changes:
        connection.execute(outbox.update().where(outbox.c.id == sa.bindparam("row_id")).values(
            body_text=sa.bindparam("text"), body_html=sa.bindparam("html"), sealed_secret=sa.bindparam("sealed")),
            changes)


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('sealed_secret')
