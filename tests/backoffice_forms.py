"""Drive back office pages the way a browser would: read form values, flash messages and text, and open and
submit the application, company and customer pages."""
from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser

from extensions import db
from models.applications import CompanyApplication, submit_application
from tests import factories as f
from tests.helpers import flashes, outbox, text  # noqa: F401  (the pages here are read with them)


class _FormParser(HTMLParser):
    """Collects what a browser would submit from the first form whose action matches."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.done = action, False, False
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and (
                attrs.get("action") == self.action if self.action is not None
                else "admin-form" in (attrs.get("class") or "")):
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "file"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values.append((name, attrs.get("value") or "y"))
            else:
                self.values.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select:
            self._options.append((attrs.get("value") or "", "selected" in attrs))
        elif tag == "textarea" and name:
            self._textarea = name
            self.values.append((name, ""))

    def handle_data(self, data):
        if self._textarea:
            name, value = self.values[-1]
            self.values[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            if chosen:
                self.values.append((self._select, chosen[0]))
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_values(html: str, action: str | None = None) -> dict[str, str]:
    """The values a browser would post from the form with this ``action`` (None: Flask-Admin's edit form)."""
    parser = _FormParser(action)
    parser.feed(html)
    assert parser.values, f"no form with action {action!r}"
    return dict(parser.values)


def follow(client, response):
    """Follow one redirect and return the page's HTML."""
    assert response.status_code == 302, (response.status_code, response.get_data(as_text=True)[:500])
    return client.get(response.location).get_data(as_text=True)


def form_in(html: str, action: str, marker: str = "") -> dict[str, str]:
    """The values of the form posting to ``action`` whose markup contains ``marker``."""
    for chunk in html.split("<form")[1:]:
        body = chunk.split("</form>")[0]
        if f'action="{action}"' in body.split(">", 1)[0] and marker in body:
            return form_values("<form" + body + "</form>", action)
    raise AssertionError(f"no form for {action} with {marker!r}")


def filter_arg(html: str, group: str, operation: str = "equals") -> str:
    """The URL argument of a list filter, read from the list page like the filter widget does."""
    groups = json.loads(unescape(re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', html, re.S).group(1)))
    return next(item["arg"] for item in groups[group] if item["operation"] == operation)


# Company applications -----------------------------------------------------------

APPLICATIONS = "/admin/applications/"
TRANSITION = "/admin/applications/transition/"
DEMO_APPLICATION = {
    "company_name": "Hooli", "vat_id": "US-99", "first_name": "Gavin", "last_name": "Belson",
    "email": "gavin@hooli.example", "line1": "1 Hooli Way", "postal_code": "94043",
    "city": "Mountain View", "country": "us",
}


def submit_demo_application(app, **data) -> int:
    """Submit ``DEMO_APPLICATION`` (fields overridden by ``data``) to Atrium US; returns its id."""
    with app.app_context():
        application = submit_application(f.shop("atrium-us"), dict(DEMO_APPLICATION, **data))
        db.session.commit()
        return application.id


def get_application(app, application_id: int) -> CompanyApplication:
    """The application row; call inside an app context."""
    return db.session.get(CompanyApplication, application_id)


def application_details(client, application_id: int) -> str:
    """The HTML of the application's details page."""
    response = client.get(f"{APPLICATIONS}details/?id={application_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def transition_form(html: str, key: str) -> dict[str, str]:
    """The values of the form that fires transition ``key`` on a details page."""
    for chunk in html.split("<form")[1:]:
        if f'name="transition" value="{key}"' in chunk:
            return form_values("<form" + chunk.split("</form>")[0] + "</form>", TRANSITION)
    raise AssertionError(f"no button for the transition {key!r}")


def reason_options(html: str, key: str) -> dict[str, str]:
    """label -> id of the reasons offered on the form of transition ``key``."""
    chunk = next(c for c in html.split("<form")[1:] if f'name="transition" value="{key}"' in c)
    return {unescape(label): value for value, label in re.findall(r'<option value="(\d+)">([^<]+)</option>', chunk)}


def fire_from_page(client, application_id: int, key: str, reason: str | None = None, comment: str = ""):
    """Open the application as staff would, fill in the transition's form and submit it."""
    html = application_details(client, application_id)
    data = transition_form(html, key)
    if reason is not None:
        data["reason_id"] = reason_options(html, key)[reason]
    data["comment"] = comment
    return client.post(TRANSITION, data=data)


# Companies -----------------------------------------------------------------------

COMPANIES = "/admin/companies/"


def company_page_url(company_id: int) -> str:
    return f"{COMPANIES}details/?id={company_id}"


def company_id(app, name: str = "Acme Industrial") -> int:
    with app.app_context():
        return f.company(name).id


def company_page(client, cid: int) -> str:
    """The HTML of the company page."""
    response = client.get(company_page_url(cid))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post_company_form(client, cid: int, action: str, marker: str = "", **fields):
    """Fill in a form of the company page and submit it; returns the page it leads to."""
    data = form_in(company_page(client, cid), f"{COMPANIES}{action}/", marker)
    data.update(fields)
    return follow(client, client.post(f"{COMPANIES}{action}/", data=data))


def section(html: str, testid: str) -> str:
    """The visible text of the element marked ``data-testid``."""
    tag = html.index(f'data-testid="{testid}"')
    start = html.index(">", tag) + 1
    return text(html[start:html.index("</table>" if "<table" in html[tag - 80:tag] else "</div>", start)])


# Customers (company users) -------------------------------------------------------

CUSTOMERS = "/admin/company_users/"


def customer_id(app, email: str) -> int:
    with app.app_context():
        return f.user(email).id


def customer_editor(client, uid: int, **args) -> str:
    """The HTML of the customer editor; ``args`` go to the query string (e.g. ``tab="shops"``)."""
    query = "".join(f"&{k}={v}" for k, v in args.items())
    response = client.get(f"{CUSTOMERS}edit/?id={uid}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def editor_tab(html: str, key: str) -> str:
    """The visible text of one tab of the customer editor."""
    start = html.index(f'id="tab-{key}"')
    end = html.find('class="tab-pane', start + 1)
    return text(html[start:end if end > 0 else None])
