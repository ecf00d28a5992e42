"""after-sales: files, assets, inquiries with a workflow per type

Assets with their business units, files (company documents, asset documents,
inquiry attachments) and inquiries with staff's internal notes. The three
inquiry types of the documentation each get their own workflow with the
documented defaults, so staff can change one without the others; Buyers see
the assets of their business unit.

Revision ID: 4807d2a2ac36
Revises: 33cb0424b201
Create Date: 2026-11-24 10:27:16.189535

"""
from alembic import op
import sqlalchemy as sa
import models.base
from migrations.reference import ensure_workflow, grant_builtin


# revision identifiers, used by Alembic.
revision = '4807d2a2ac36'
down_revision = '33cb0424b201'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inquiry_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('needs', sa.String(length=10), nullable=False),
    sa.Column('workflow_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], name=op.f('fk_inquiry_types_workflow_id_workflows')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inquiry_types')),
    sa.UniqueConstraint('key', name=op.f('uq_inquiry_types_key'))
    )
    op.create_table('assets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('serial_number', sa.String(length=80), nullable=True),
    sa.Column('reference', sa.String(length=80), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('image_file_id', sa.Integer(), nullable=True),
    sa.Column('maintenance_months', sa.Integer(), nullable=True),
    sa.Column('next_maintenance_on', sa.Date(), nullable=True),
    sa.Column('maintenance_notice_for', sa.Date(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('business_unit_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('in_use', 'in_repair', 'out_of_service', 'retired')", name=op.f('ck_assets_status')),
    sa.ForeignKeyConstraint(['business_unit_id'], ['business_units.id'], name=op.f('fk_assets_business_unit_id_business_units'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_assets_company_id_companies')),
    sa.ForeignKeyConstraint(['owner_id'], ['company_users.id'], name=op.f('fk_assets_owner_id_company_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assets')),
    sa.UniqueConstraint('company_id', 'serial_number', name='uq_asset_company_serial')
    )
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assets_business_unit_id'), ['business_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_assets_company_name', ['company_id', 'name', 'id'], unique=False)
        batch_op.create_index('ix_assets_next_maintenance', ['next_maintenance_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_assets_owner_id'), ['owner_id'], unique=False)

    op.create_table('asset_units',
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('business_unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_asset_units_asset_id_assets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['business_unit_id'], ['business_units.id'], name=op.f('fk_asset_units_business_unit_id_business_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('asset_id', 'business_unit_id', name=op.f('pk_asset_units'))
    )
    with op.batch_alter_table('asset_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_units_business_unit_id'), ['business_unit_id'], unique=False)

    op.create_table('inquiries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=170), nullable=False),
    sa.Column('author_email', sa.String(length=254), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('business_unit_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('workflow_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_inquiries_asset_id_assets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['business_unit_id'], ['business_units.id'], name=op.f('fk_inquiries_business_unit_id_business_units'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_inquiries_company_id_companies')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_inquiries_order_id_orders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['company_users.id'], name=op.f('fk_inquiries_owner_id_company_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['type_id'], ['inquiry_types.id'], name=op.f('fk_inquiries_type_id_inquiry_types')),
    sa.ForeignKeyConstraint(['workflow_id'], ['workflows.id'], name=op.f('fk_inquiries_workflow_id_workflows')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inquiries'))
    )
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inquiries_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inquiries_author_email'), ['author_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_inquiries_business_unit_id'), ['business_unit_id'], unique=False)
        batch_op.create_index('ix_inquiries_company_created', ['company_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inquiries_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inquiries_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inquiries_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_inquiries_state_created', ['state', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_inquiries_type_state', ['type_id', 'state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inquiries_workflow_id'), ['workflow_id'], unique=False)

    op.create_table('files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('storage_key', sa.String(length=32), nullable=False),
    sa.Column('preview_key', sa.String(length=32), nullable=True),
    sa.Column('thumbnail_key', sa.String(length=32), nullable=True),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('inquiry_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by', sa.String(length=170), nullable=False),
    sa.Column('uploaded_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('business_unit_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("category IN ('manual', 'service_report', 'contract', 'photo', 'other')", name=op.f('ck_files_category')),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_files_asset_id_assets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['business_unit_id'], ['business_units.id'], name=op.f('fk_files_business_unit_id_business_units'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_files_company_id_companies')),
    sa.ForeignKeyConstraint(['inquiry_id'], ['inquiries.id'], name=op.f('fk_files_inquiry_id_inquiries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['company_users.id'], name=op.f('fk_files_owner_id_company_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_files')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_files_storage_key'))
    )
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_files_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_files_business_unit_id'), ['business_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_files_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_files_company_uploaded', ['company_id', 'uploaded_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_files_inquiry_id'), ['inquiry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_files_owner_id'), ['owner_id'], unique=False)

    op.create_table('inquiry_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inquiry_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=170), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inquiry_id'], ['inquiries.id'], name=op.f('fk_inquiry_notes_inquiry_id_inquiries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_inquiry_notes_staff_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inquiry_notes'))
    )
    with op.batch_alter_table('inquiry_notes', schema=None) as batch_op:
        batch_op.create_index('ix_inquiry_notes_inquiry', ['inquiry_id', 'at'], unique=False)
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_assets_image_file_id', 'files', ['image_file_id'], ['id'], ondelete='SET NULL')

    # Buyers see the equipment of their business unit, to report a problem with it.
    grant_builtin("buyer", "Buyer", ["view_business_unit_assets"])
    for position, (key, name, needs, spec) in enumerate(INQUIRY_TYPES):
        ensure_workflow(spec)
        workflow_id = op.get_bind().scalar(sa.text("SELECT id FROM workflows WHERE key = :key"), {"key": spec["key"]})
        op.bulk_insert(inquiry_types, [{"key": key, "name": name, "needs": needs, "workflow_id": workflow_id,
                                        "active": True, "position": position}])


inquiry_types = sa.table("inquiry_types", sa.column("key"), sa.column("name"), sa.column("needs"),
                         sa.column("workflow_id"), sa.column("active"), sa.column("position"))


def inquiry_workflow(key: str, name: str) -> dict:
    """The documented defaults: Pending → In Review → Approved / Rejected; Pending → Canceled."""
    return {
        "key": key,
        "name": name,
        "subject_type": "inquiry",
        "states": [
            ("pending", "Pending", "info", True, False),
            ("in_review", "In Review", "primary", False, False),
            ("approved", "Approved", "success", False, True),
            ("rejected", "Rejected", "danger", False, True),
            ("canceled", "Canceled", "neutral", False, True),
        ],
        # key, label, from, to, permission, requires reason, guard, side effect, mail template, subject, mail to
        "transitions": [
            ("review", "Start the review", "pending", "in_review", "work_inquiries", False, "", "", "", "", ""),
            ("cancel", "Cancel the inquiry", "pending", "canceled", "create_inquiries", False, "inquiry.author", "",
             "", "", ""),
            ("cancel_for_customer", "Cancel for the customer", "pending", "canceled", "work_inquiries", False, "",
             "", "inquiry_resolved", "Your inquiry is canceled", "contact"),
            ("approve", "Approve", "in_review", "approved", "work_inquiries", False, "", "inquiry.resolve",
             "inquiry_resolved", "Your inquiry is approved", "contact"),
            ("reject", "Reject", "in_review", "rejected", "work_inquiries", True, "", "inquiry.resolve",
             "inquiry_resolved", "About your inquiry", "contact"),
        ],
        "reasons": ["Outside the warranty", "Not enough information to decide", "No defect found",
                    "Handled in another inquiry"],
    }


INQUIRY_TYPES = [
    ("general", "General inquiry", "", inquiry_workflow("inquiry_general", "Inquiry: general")),
    ("asset", "Asset inquiry", "asset", inquiry_workflow("inquiry_asset", "Inquiry: asset")),
    ("order_claim", "Order claim", "order", inquiry_workflow("inquiry_order_claim", "Inquiry: order claim")),
]


def downgrade():
    op.execute("DELETE FROM role_permissions WHERE permission = 'view_business_unit_assets' "
               "AND role_id IN (SELECT id FROM roles WHERE key = 'buyer')")
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.drop_constraint('fk_assets_image_file_id', type_='foreignkey')
    with op.batch_alter_table('inquiry_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_inquiry_notes_inquiry')

    op.drop_table('inquiry_notes')
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_files_owner_id'))
        batch_op.drop_index(batch_op.f('ix_files_inquiry_id'))
        batch_op.drop_index('ix_files_company_uploaded')
        batch_op.drop_index(batch_op.f('ix_files_company_id'))
        batch_op.drop_index(batch_op.f('ix_files_business_unit_id'))
        batch_op.drop_index(batch_op.f('ix_files_asset_id'))

    op.drop_table('files')
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inquiries_workflow_id'))
        batch_op.drop_index('ix_inquiries_type_state')
        batch_op.drop_index('ix_inquiries_state_created')
        batch_op.drop_index(batch_op.f('ix_inquiries_owner_id'))
        batch_op.drop_index(batch_op.f('ix_inquiries_order_id'))
        batch_op.drop_index(batch_op.f('ix_inquiries_company_id'))
        batch_op.drop_index('ix_inquiries_company_created')
        batch_op.drop_index(batch_op.f('ix_inquiries_business_unit_id'))
        batch_op.drop_index(batch_op.f('ix_inquiries_author_email'))
        batch_op.drop_index(batch_op.f('ix_inquiries_asset_id'))

    op.drop_table('inquiries')
    with op.batch_alter_table('asset_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_units_business_unit_id'))

    op.drop_table('asset_units')
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assets_owner_id'))
        batch_op.drop_index('ix_assets_next_maintenance')
        batch_op.drop_index('ix_assets_company_name')
        batch_op.drop_index(batch_op.f('ix_assets_company_id'))
        batch_op.drop_index(batch_op.f('ix_assets_business_unit_id'))

    op.drop_table('assets')
    op.drop_table('inquiry_types')
    inquiry_workflows = "(SELECT id FROM workflows WHERE subject_type = 'inquiry')"
    for table in ("workflow_history", "workflow_transitions", "workflow_reasons", "workflow_states"):
        op.execute(f"DELETE FROM {table} WHERE workflow_id IN {inquiry_workflows}")
    op.execute("DELETE FROM workflows WHERE subject_type = 'inquiry'")
