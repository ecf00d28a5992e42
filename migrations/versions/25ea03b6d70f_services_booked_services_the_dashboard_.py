"""services, booked services, the dashboard's content blocks and per-role blocks

Service points, the services given there and product offers (a product at a
service point, with its services, shipment types, stock, validity and price);
a cart line names the offer and time of a service; booked services are filed
under the buyer. Content blocks hold staff's texts for the portal, shipped with
the representative block shown when nobody is assigned; account admins hide
dashboard blocks per role.

Revision ID: 25ea03b6d70f
Revises: 4807d2a2ac36
Create Date: 2026-11-24 11:13:02.972902

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
import models.base


# revision identifiers, used by Alembic.
revision = '25ea03b6d70f'
down_revision = '4807d2a2ac36'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content_blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link_url', sa.String(length=300), nullable=False),
    sa.Column('link_label', sa.String(length=80), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_blocks')),
    sa.UniqueConstraint('key', name=op.f('uq_content_blocks_key'))
    )
    op.create_table('service_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('line1', sa.String(length=200), nullable=False),
    sa.Column('postal_code', sa.String(length=20), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_points')),
    sa.UniqueConstraint('key', name=op.f('uq_service_points_key'))
    )
    op.create_table('services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_point_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['service_point_id'], ['service_points.id'], name=op.f('fk_services_service_point_id_service_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services'))
    )
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_services_service_point_id'), ['service_point_id'], unique=False)

    op.create_table('product_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('service_point_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('price', models.money.Amount(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_offers_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_point_id'], ['service_points.id'], name=op.f('fk_product_offers_service_point_id_service_points'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_offers')),
    sa.UniqueConstraint('reference', name=op.f('uq_product_offers_reference'))
    )
    with op.batch_alter_table('product_offers', schema=None) as batch_op:
        batch_op.create_index('ix_product_offers_product', ['product_id', 'active'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_offers_service_point_id'), ['service_point_id'], unique=False)

    op.create_table('dashboard_hidden',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('block', sa.String(length=30), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_dashboard_hidden_company_id_companies')),
    sa.ForeignKeyConstraint(['role_id'], ['roles.id'], name=op.f('fk_dashboard_hidden_role_id_roles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_hidden')),
    sa.UniqueConstraint('company_id', 'role_id', 'block', name='uq_dashboard_hidden')
    )
    with op.batch_alter_table('dashboard_hidden', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_hidden_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dashboard_hidden_role_id'), ['role_id'], unique=False)

    op.create_table('offer_services',
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['product_offers.id'], name=op.f('fk_offer_services_offer_id_product_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_offer_services_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('offer_id', 'service_id', name=op.f('pk_offer_services'))
    )
    op.create_table('offer_shipment_types',
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('shipment_type_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['product_offers.id'], name=op.f('fk_offer_shipment_types_offer_id_product_offers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shipment_type_id'], ['shipment_types.id'], name=op.f('fk_offer_shipment_types_shipment_type_id_shipment_types'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('offer_id', 'shipment_type_id', name=op.f('pk_offer_shipment_types'))
    )
    op.create_table('booked_services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('order_number', sa.String(length=30), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('product_name', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('service_point_name', sa.String(length=120), nullable=False),
    sa.Column('service_point_address', sa.String(length=400), nullable=False),
    sa.Column('service_name', sa.String(length=120), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('scheduled_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('business_unit_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("state IN ('scheduled', 'completed', 'cancelled')", name=op.f('ck_booked_services_state')),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_booked_services_asset_id_assets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['business_unit_id'], ['business_units.id'], name=op.f('fk_booked_services_business_unit_id_business_units'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_booked_services_company_id_companies')),
    sa.ForeignKeyConstraint(['offer_id'], ['product_offers.id'], name=op.f('fk_booked_services_offer_id_product_offers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_booked_services_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['company_users.id'], name=op.f('fk_booked_services_owner_id_company_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_booked_services_product_id_products'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booked_services'))
    )
    with op.batch_alter_table('booked_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booked_services_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booked_services_business_unit_id'), ['business_unit_id'], unique=False)
        batch_op.create_index('ix_booked_services_company_at', ['company_id', 'scheduled_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booked_services_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booked_services_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booked_services_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_booked_services_state_at', ['state', 'scheduled_at'], unique=False)

    with op.batch_alter_table('cart_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('service_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_cart_lines_offer_id_product_offers'), 'product_offers', ['offer_id'], ['id'], ondelete='SET NULL')
    content = sa.table("content_blocks", sa.column("key"), sa.column("title"), sa.column("body"),
                       sa.column("link_url"), sa.column("link_label"), sa.column("active"), sa.column("updated_at", models.base.UTCDateTime(timezone=True)))
    op.bulk_insert(content, [{
        "key": "sales_rep:default", "title": "Your Atrium team",
        "body": "Our customer service answers questions about orders, equipment and services on working days "
                "from 8:00 to 18:00.\nsupport@atrium.example · +49 30 1234 500",
        "link_url": "/inquiries/new", "link_label": "Send us an inquiry", "active": True,
        "updated_at": datetime.now(timezone.utc)}])


def downgrade():
    with op.batch_alter_table('cart_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cart_lines_offer_id_product_offers'), type_='foreignkey')
        batch_op.drop_column('service_at')
        batch_op.drop_column('offer_id')

    with op.batch_alter_table('booked_services', schema=None) as batch_op:
        batch_op.drop_index('ix_booked_services_state_at')
        batch_op.drop_index(batch_op.f('ix_booked_services_owner_id'))
        batch_op.drop_index(batch_op.f('ix_booked_services_order_id'))
        batch_op.drop_index(batch_op.f('ix_booked_services_company_id'))
        batch_op.drop_index('ix_booked_services_company_at')
        batch_op.drop_index(batch_op.f('ix_booked_services_business_unit_id'))
        batch_op.drop_index(batch_op.f('ix_booked_services_asset_id'))

    op.drop_table('booked_services')
    op.drop_table('offer_shipment_types')
    op.drop_table('offer_services')
    with op.batch_alter_table('dashboard_hidden', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dashboard_hidden_role_id'))
        batch_op.drop_index(batch_op.f('ix_dashboard_hidden_company_id'))

    op.drop_table('dashboard_hidden')
    with op.batch_alter_table('product_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_offers_service_point_id'))
        batch_op.drop_index('ix_product_offers_product')

    op.drop_table('product_offers')
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_services_service_point_id'))

    op.drop_table('services')
    op.drop_table('service_points')
    op.drop_table('content_blocks')
