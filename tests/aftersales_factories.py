"""Factories for the after-sales models (assets, files, inquiries), so every model has one."""
from __future__ import annotations

import factory

from models.assets import Asset, AssetUnit
from models.dashboard import ContentBlock, DashboardHidden
from models.files import File
from models.inquiries import Inquiry, InquiryNote, InquiryType
from models.services import BookedService, ProductOffer, Service, ServicePoint
from models.storage import new_key
from models.workflow_engine import get_workflow
from tests.factories import BusinessUnitFactory, CompanyFactory, CompanyUserFactory, RoleFactory, _Factory
from tests.order_factories import OrderFactory, ProductFactory


class AssetFactory(_Factory):
    class Meta:
        model = Asset

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Machine {n}")
    serial_number = factory.Sequence(lambda n: f"SN-{n:05d}")


class AssetUnitFactory(_Factory):
    class Meta:
        model = AssetUnit

    asset = factory.SubFactory(AssetFactory)
    unit = factory.SubFactory(BusinessUnitFactory, company=factory.SelfAttribute("..asset.company"))


class FileFactory(_Factory):
    """A file row whose bytes were never stored (for lists and counts)."""

    class Meta:
        model = File

    company = factory.SubFactory(CompanyFactory)
    company_id = factory.SelfAttribute("company.id")
    name = factory.Sequence(lambda n: f"document-{n}.pdf")
    content_type = "application/pdf"
    size = 1024
    storage_key = factory.LazyFunction(new_key)
    uploaded_by = "Sam Support"

    @classmethod
    def _create(cls, model_class, *args, company=None, **kwargs):
        return super()._create(model_class, *args, **kwargs)


class InquiryTypeFactory(_Factory):
    class Meta:
        model = InquiryType

    key = factory.Sequence(lambda n: f"kind_{n}")
    name = factory.Sequence(lambda n: f"Kind {n}")
    workflow = factory.LazyFunction(lambda: get_workflow("inquiry_general"))


class InquiryFactory(_Factory):
    class Meta:
        model = Inquiry

    company = factory.SubFactory(CompanyFactory)
    owner = factory.SubFactory(CompanyUserFactory, company=factory.SelfAttribute("..company"))
    owner_id = factory.SelfAttribute("owner.id")
    type = factory.SubFactory(InquiryTypeFactory)
    workflow = factory.LazyFunction(lambda: get_workflow("inquiry_general"))
    state = "pending"
    subject = factory.Sequence(lambda n: f"Question {n}")
    description = "Please help."
    author_name = "Pat Person"
    author_email = factory.SelfAttribute("owner.email")

    @classmethod
    def _create(cls, model_class, *args, owner=None, **kwargs):
        return super()._create(model_class, *args, **kwargs)


class InquiryNoteFactory(_Factory):
    class Meta:
        model = InquiryNote

    inquiry = factory.SubFactory(InquiryFactory)
    author_name = "Sam Support"
    body = "Called the customer."


class ServicePointFactory(_Factory):
    class Meta:
        model = ServicePoint

    key = factory.Sequence(lambda n: f"point_{n}")
    name = factory.Sequence(lambda n: f"Workshop {n}")
    city = "Hamburg"
    country = "DE"


class ServiceFactory(_Factory):
    class Meta:
        model = Service

    service_point = factory.SubFactory(ServicePointFactory)
    name = "On-site service visit"


class ProductOfferFactory(_Factory):
    class Meta:
        model = ProductOffer

    reference = factory.Sequence(lambda n: f"OFFER-{n:05d}")
    product = factory.SubFactory(ProductFactory)
    service_point = factory.SubFactory(ServicePointFactory)


class BookedServiceFactory(_Factory):
    class Meta:
        model = BookedService

    company = factory.SubFactory(CompanyFactory)
    company_id = factory.SelfAttribute("company.id")
    order = factory.SubFactory(OrderFactory, company=factory.SelfAttribute("..company"))
    order_number = factory.SelfAttribute("order.number")
    sku = "SVC-1"
    product_name = "Pump maintenance"
    service_point_name = "Workshop"

    @classmethod
    def _create(cls, model_class, *args, company=None, order=None, **kwargs):
        kwargs["order_id"] = order.id
        return super()._create(model_class, *args, **kwargs)


class ContentBlockFactory(_Factory):
    class Meta:
        model = ContentBlock

    key = factory.Sequence(lambda n: f"promo:{n}")
    title = "News"
    body = "Spring service weeks."


class DashboardHiddenFactory(_Factory):
    class Meta:
        model = DashboardHidden

    role = factory.SubFactory(RoleFactory)
    company_id = factory.SelfAttribute("role.company_id")
    role_id = factory.SelfAttribute("role.id")
    block = "promo"

    @classmethod
    def _create(cls, model_class, *args, role=None, **kwargs):
        return super()._create(model_class, *args, **kwargs)
