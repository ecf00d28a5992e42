"""The model layer: SQLAlchemy models and the domain operations on them.

Importing this package registers every model with the metadata.
"""
from models.applications import CompanyApplication  # noqa: F401
from models.assets import Asset, AssetUnit  # noqa: F401
from models.attributes import AttributeDefinition, AttributeValue, ShopAttribute  # noqa: F401
from models.audit import AuditEvent  # noqa: F401
from models.auth import PasswordResetToken  # noqa: F401
from models.carts import Cart, CartLine  # noqa: F401
from models.catalog import Product, ProductType, ShipmentType  # noqa: F401
from models.companies import Address, BusinessUnit, Company  # noqa: F401
from models.dashboard import ContentBlock, DashboardHidden  # noqa: F401
from models.files import File  # noqa: F401
from models.followups import FollowUp  # noqa: F401
from models.inquiries import Inquiry, InquiryNote, InquiryType  # noqa: F401
from models.invitations import Invitation  # noqa: F401
from models.mail import OutboxMessage  # noqa: F401
from models.order_templates import OrderTemplate, TemplateLine  # noqa: F401
from models.orders import Order, OrderCounter, OrderLine  # noqa: F401
from models.pricing import Price, PriceList  # noqa: F401
from models.quotes import Quote, QuoteLine  # noqa: F401
from models.recurring import RecurringLine, RecurringOrder  # noqa: F401
from models.services import BookedService, ProductOffer, Service, ServicePoint  # noqa: F401
from models.shops import Shop, ShopAddress, ShopAssignment, ShopCustomerSetting  # noqa: F401
from models.staff import StaffUser, StaffUserRole  # noqa: F401
from models.throttle import Throttle  # noqa: F401
from models.users import CompanyUser, Role, RolePermission  # noqa: F401
from models.workflow_engine import transition  # noqa: F401  (registers the mail recipients)
from models.workflows import (  # noqa: F401
    Workflow,
    WorkflowHistory,
    WorkflowReason,
    WorkflowState,
    WorkflowTransition,
)
