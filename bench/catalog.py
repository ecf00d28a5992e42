"""Which pages the benchmark opens, read from the app itself so that a new page is measured as it comes.

Portal: every GET route as an Account Admin of Acme Industrial, a record page
with a record of Acme for each route with an id. Back office: every Flask-Admin
view's list, details and edit page (a record of Acme, or the first record) as an
administrator. Each list's deep page and search are found on the first visit,
from what its template was given (``derived_pages``); the order history gets its
searches by buyer and SKU and a page far down its Older links (``order_pages``).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from extensions import db
from paging import KeysetPage, ListPage
from paging import _cursor as keyset_cursor

PORTAL_USER = "anna.admin@acme.example"
STAFF_USER = "admin@atrium.example"
COMPANY = "Acme Industrial"
# Pages for visitors (sign-in, sign-up, reset) and sign-out: nobody signed in opens them.
VISITOR_ENDPOINTS = {"portal.login", "portal.logout", "portal.apply", "portal.register", "portal.password_reset",
                     "admin.login", "admin.logout", "admin.password_reset_view", "admin.password_view",
                     "portal.accept_invitation_page", "portal.password_reset_confirm", "portal.confirm_registration",
                     # files sent as they are, not pages: a profile's file rows have no bytes behind them
                     "portal.file_download", "portal.file_preview"}
# Flask-Admin's own endpoints that are not pages (or are measured per view below).
VIEW_SUBPAGES = {"ajax_lookup", "export", "details_view", "edit_view", "create_view", "index_view",
                 "file_view", "download_view"}  # (the last two send a stored file, not a page)
# The order history as people search it, over all its years (the same words at every size, so S and L
# compare): a buyer's name (Anna Admin's orders, and those of the profile's other Annas) and a demo product's
# SKU, one of the many a big catalog holds, so few orders have it.
ORDER_BUYER, ORDER_SKU = "Anna", "BOLT-M8"


@dataclass(frozen=True)
class Page:
    url: str
    user: str
    face: str  # portal or back office
    kind: str  # page, record, deep, search


def get_routes(app, prefix: str):
    """The GET routes whose endpoint starts with ``prefix``, except the visitors' pages."""
    return [rule for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
            if rule.endpoint.startswith(prefix) and "GET" in rule.methods
            and rule.endpoint not in VISITOR_ENDPOINTS and rule.endpoint != "admin.static"]


def company_id() -> int:
    from models.companies import Company

    return db.session.scalar(select(Company.id).where(Company.name == COMPANY))


def record_models() -> dict:
    """Route arguments that name a record, and its model."""
    from models.assets import Asset
    from models.catalog import Product
    from models.companies import Address, BusinessUnit
    from models.inquiries import Inquiry
    from models.order_templates import OrderTemplate
    from models.orders import Order
    from models.quotes import Quote
    from models.recurring import RecurringOrder
    from models.services import BookedService
    from models.users import CompanyUser, Role

    return {"user_id": CompanyUser, "address_id": Address, "role_id": Role, "unit_id": BusinessUnit,
            "order_id": Order, "product_id": Product, "template_id": OrderTemplate, "quote_id": Quote,
            "recurring_id": RecurringOrder, "asset_id": Asset, "inquiry_id": Inquiry, "booked_id": BookedService}


def company_record(model, acme: int, *, not_email: str = "", owner_id: int | None = None) -> int | None:
    """A record of Acme (another person than the one looking, for users; the looker's own, for rows only
    their owner sees, such as order templates), else the first one."""
    from models.companies import Company

    if model is Company:
        return acme
    query = select(model.id).order_by(model.id).limit(1)
    if owner_id is not None and hasattr(model, "owner_id"):
        own = db.session.scalar(query.where(model.owner_id == owner_id))
        if own is not None:
            return own
    if hasattr(model, "email") and not_email:
        query = query.where(model.email != not_email)
    if hasattr(model, "company_id"):
        found = db.session.scalar(query.where(model.company_id == acme))
        if found is not None:
            return found
    return db.session.scalar(query)


def portal_pages(app) -> list[Page]:
    """Every portal page an Account Admin opens: routes without arguments, one of each record page."""
    pages = []
    with app.app_context():
        acme, models = company_id(), record_models()
        for rule in get_routes(app, "portal."):
            url = _portal_url(rule, models, acme)
            if url is not None:
                pages.append(Page(url, PORTAL_USER, "portal", "record" if rule.arguments else "page"))
        pages += order_pages(acme)
    return pages


def order_pages(acme: int) -> list[Page]:
    """The order history searched by buyer and by SKU, and a page far down the whole history, reached by its
    "Older" link: the cursor of the order half-way down Acme's orders (at L, hundreds of pages in)."""
    from models.orders import Order

    of_acme = Order.company_id == acme
    count = db.session.scalar(select(func.count(Order.id)).where(of_acme)) or 0
    pages = [Page(f"/orders?q={ORDER_BUYER}&period=all", PORTAL_USER, "portal", "search"),
             Page(f"/orders?sku={ORDER_SKU}&period=all", PORTAL_USER, "portal", "search")]
    if count > 1:
        middle = db.session.execute(select(Order.placed_at, Order.id).where(of_acme)
                                    .order_by(Order.placed_at.desc(), Order.id.desc()).offset(count // 2).limit(1)).one()
        pages.append(Page(f"/orders?period=all&older={keyset_cursor(middle, 'placed_at')}", PORTAL_USER, "portal",
                          "deep"))
    return pages


def _portal_url(rule, models: dict, acme: int) -> str | None:
    if not rule.arguments:
        return rule.rule
    if len(rule.arguments) != 1 or next(iter(rule.arguments)) not in models:
        return None
    [argument] = rule.arguments
    record = company_record(models[argument], acme, not_email=PORTAL_USER, owner_id=_portal_user_id())
    return None if record is None else rule.rule.replace(f"<int:{argument}>", str(record))


def _portal_user_id() -> int | None:
    from models.users import CompanyUser

    return db.session.scalar(select(CompanyUser.id).where(CompanyUser.email == PORTAL_USER))


def back_office_pages(app) -> list[Page]:
    """The back office's own pages, then each model view's list and its details and edit page."""
    admin = app.extensions["admin"][0]
    views = {view.endpoint: view for view in admin._views}
    pages = [Page(rule.rule, STAFF_USER, "back office", "page") for rule in get_routes(app, "")
             if rule.rule.startswith(admin.url) and not rule.arguments
             and rule.endpoint.rpartition(".")[2] not in VIEW_SUBPAGES]
    with app.app_context():
        acme = company_id()
        for view in views.values():
            if getattr(view, "model", None) is not None:
                pages += _model_view_pages(view, acme)
    return sorted(set(pages), key=lambda page: (page.kind != "page", page.url))


def _model_view_pages(view, acme: int) -> list[Page]:
    base = view.url.rstrip("/")
    pages = [Page(f"{base}/", STAFF_USER, "back office", "page")]
    record = company_record(view.model, acme)
    for allowed, action in ((view.can_view_details, "details"), (view.can_edit, "edit")):
        if allowed and record is not None:
            pages.append(Page(f"{base}/{action}/?id={record}", STAFF_USER, "back office", "record"))
    return pages


def not_measured(app, measured: list[Page]) -> list[str]:
    """GET routes that no measured page opens: a record page whose id the benchmark cannot choose, say.

    Visitors' pages, static files, Flask-Admin's lookups, exports and create
    forms, and details or edit pages that a view does not offer are left out.
    """
    adapter = app.url_map.bind("localhost")
    seen = {adapter.match(page.url.split("?")[0], method="GET")[0] for page in measured}
    views = {view.endpoint: view for view in app.extensions["admin"][0]._views}
    return [rule.rule for rule in get_routes(app, "")
            if rule.endpoint not in seen and rule.endpoint != "static" and not _left_out(rule, views)]


def _left_out(rule, views: dict) -> bool:
    view_name, _, name = rule.endpoint.rpartition(".")
    view = views.get(view_name)
    if view is None:
        return False
    offered = {"details_view": getattr(view, "can_view_details", False), "edit_view": getattr(view, "can_edit", False)}
    return name in {"ajax_lookup", "export", "create_view", "file_view", "download_view"} or offered.get(name) is False


def derived_pages(page: Page, context: dict, search: str) -> list[Page]:
    """A list's last page and a search, if its template was given a pager or a search box."""
    if "?" in page.url or page.kind != "page":
        return []
    last, filters = _last_page(context), context.get("filters")
    extra = [Page(f"{page.url}?page={last}", page.user, page.face, "deep")] if last else []
    if any(isinstance(value, KeysetPage) and value.older for value in context.values()):
        extra.append(Page(f"{page.url}?newer=0-0", page.user, page.face, "deep"))  # the log's far (oldest) end
    if context.get("search_supported") or (isinstance(filters, dict) and "q" in filters):
        key = "search" if page.face == "back office" else "q"
        extra.append(Page(f"{page.url}?{key}={search}", page.user, page.face, "search"))
    return extra


def _last_page(context: dict) -> int | None:
    """Portal pages count from 1, Flask-Admin's from 0; None when there is only one."""
    pagers = [value for value in context.values() if isinstance(value, ListPage)]
    if pagers and pagers[0].pages > 1:
        return pagers[0].pages
    if (context.get("num_pages") or 0) > 1:
        return context["num_pages"] - 1
    return None


def rows_shown(context: dict) -> int | None:
    """How many rows the list holds in all, when the template was told."""
    pagers = [value for value in context.values() if isinstance(value, ListPage)]
    return pagers[0].total if pagers else context.get("count")
