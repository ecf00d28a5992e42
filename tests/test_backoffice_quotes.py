"""Quotes in the back office: the worklist (search, filters, no count), the details page with its answer form,
bad answers, two clerks, declining to offer, who may work quotes, and what the pages cost.

The world: Anna's quote Q-00002 waits for an answer (500 BOLT-M8, her price 0,18 €; 1 NOPRICE-1, no price);
Ben's Q-00001 is answered. Atrium Germany writes amounts like 1.500,50; the back office shows them as €1,500.50.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import select

from extensions import db
from models.actors import SYSTEM
from models.base import utcnow
from models.orders import Order
from models.permissions import StaffPerm
from models.quotes import Quote, QuoteLine, answer_quote
from models.workflow_engine import get_workflow
from tests import factories as f
from tests.backoffice_forms import filter_arg, follow, form_values, reason_options
from tests.helpers import count_queries, csrf_token, flashes, login, mail_link, outbox, text

QUOTES = "/admin/quotes/"
ANSWER = "/admin/quotes/answer/"
TRANSITION = "/admin/quotes/transition/"
ANNA, BEN = "anna.admin@acme.example", "ben.buyer@acme.example"
# the staff user; a page of quotes with their companies; the quote workflows' states (for the filter and the
# badges, twice); the shops (the filter)
LIST_BOUND = 7
# the staff user; the quote with company and shop, its lines; the workflow with its transitions, reasons and
# states; the history
DETAILS_BOUND = 8


def _staff(app, email: str = "support@atrium.example"):
    client = app.test_client()
    assert login(client, email, path="/admin/login/").status_code == 302
    return client


def _quote_id(app, number: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Quote.id).where(Quote.id == int(number.removeprefix("Q-"))))


def _lines(app, quote_id: int) -> dict[str, int]:
    """SKU -> line id of a quote."""
    with app.app_context():
        return {line.sku: line.id for line in db.session.get(Quote, quote_id).lines}


def details(client, quote_id: int, status: int = 200) -> str:
    response = client.get(f"{QUOTES}details/?id={quote_id}")
    assert response.status_code == status
    return response.get_data(as_text=True)


def answer(client, quote_id: int, prices: dict[str, str], valid_until: str | None = None, note: str = "",
           page: str | None = None):
    """Fill in the answer form as staff would (a price per SKU) and send it."""
    data = form_values(page or details(client, quote_id), ANSWER)
    for sku, line_id in _lines(client.application, quote_id).items():
        data[f"price-{line_id}"] = prices.get(sku, "")
    if valid_until is not None:
        data["valid_until"] = valid_until
    data["answer"] = note
    return client.post(ANSWER, data=data)


def _field(html: str, name: str) -> tuple[str, str]:
    """The input named ``name`` and the first error message shown after it."""
    before, after = html.split(f'name="{name}"', 1)
    tag = "<input" + before.rsplit("<input", 1)[1] + after.split(">", 1)[0]
    feedback = after.split('class="invalid-feedback">', 1)[1].split("</div>", 1)[0] if "invalid-feedback" in after else ""
    return tag, unescape(feedback)


def step_form(html: str, key: str) -> dict[str, str]:
    chunk = next(c for c in html.split("<form")[1:] if f'name="transition" value="{key}"' in c)
    return form_values("<form" + chunk.split("</form>")[0] + "</form>", TRANSITION)


def _quote(app, quote_id: int) -> Quote:
    with app.app_context():
        quote = db.session.get(Quote, quote_id)
        quote.lines  # noqa: B018 - loaded for the test to read
        return quote


def add_quotes(app, n: int, *, buyer: str = "gina.admin@globex.example", minutes_ago: int = 0) -> list[int]:
    """``n`` requested quotes of ``buyer``, one line each, asked for a minute apart (the newest last)."""
    with app.app_context():
        owner, workflow = f.user(buyer), get_workflow("quote")
        quotes = [Quote(shop_id=owner.company.shop_id, company_id=owner.company_id, owner_id=owner.id,
                        business_unit_id=owner.business_unit_id, buyer_name=owner.full_name,
                        buyer_email=owner.email, currency=owner.company.currency, state="requested",
                        workflow_id=workflow.id, line_count=1,
                        requested_at=utcnow() - timedelta(days=1, minutes=minutes_ago + n - i),  # before the world
                        lines=[QuoteLine(sku="BOLT-M8", name="Hex bolt", quantity=40)]) for i in range(n)]
        db.session.add_all(quotes)
        db.session.commit()
        return [q.id for q in quotes]


# --- the list ------------------------------------------------------------------------------------

def test_the_list_shows_quotes_newest_first_with_company_buyer_state_validity_and_total(app):
    [globex] = add_quotes(app, 1)
    page = text(_staff(app).get(QUOTES))
    valid = (date.today() + timedelta(days=30)).isoformat()
    assert f"Q-{globex:05d} Globex Gina Admin gina.admin@globex.example Waiting for our answer" in page
    assert "Q-00002 Acme Industrial Anna Admin anna.admin@acme.example Waiting for our answer" in page
    assert f"Q-00001 Acme Industrial Ben Buyer ben.buyer@acme.example Answered {valid} €1,980.00" in page
    assert page.index("Q-00002") < page.index("Q-00001") < page.index(f"Q-{globex:05d}")  # asked for before


@pytest.mark.parametrize("search,found,not_found", [
    ("Q-00002", ["Q-00002"], ["Q-00001"]),
    ("q1", ["Q-00001"], ["Q-00002"]),
    ("2", ["Q-00002"], ["Q-00001"]),
    ("Ben.Buyer@acme.example", ["Q-00001"], ["Q-00002"]),
    ("acme indus", ["Q-00001", "Q-00002"], ["GLOBEX"]),
    ("globex", ["GLOBEX"], ["Q-00001", "Q-00002"]),
    ("nothing-like-this", [], ["Q-00001", "Q-00002", "GLOBEX"]),
])
def test_the_list_searches_number_buyer_e_mail_and_company(app, search, found, not_found):
    [globex] = add_quotes(app, 1)
    numbers = {"GLOBEX": f"Q-{globex:05d}"}
    page = text(_staff(app).get(f"{QUOTES}?search={search}"))
    assert all(numbers.get(n, n) in page for n in found), page
    assert not any(f"{numbers.get(n, n)} " in page for n in not_found), page


def test_the_list_filters_by_state_shop_and_company(app):
    [globex] = add_quotes(app, 1)
    client = _staff(app)
    html = client.get(QUOTES).get_data(as_text=True)
    state, shop, company = filter_arg(html, "State"), filter_arg(html, "Shop"), filter_arg(html, "Company", "contains")
    assert (state, shop, company) == ("state_equals", "shop_equals", "company_contains")
    answered = text(client.get(f"{QUOTES}?flt0_state_equals=answered"))
    assert "Q-00001" in answered and "Q-00002" not in answered
    with app.app_context():
        us = f.shop("atrium-us").id
    in_us = text(client.get(f"{QUOTES}?flt0_shop_equals={us}"))
    assert f"Q-{globex:05d}" in in_us and "Q-00001" not in in_us
    acme = text(client.get(f"{QUOTES}?flt0_company_contains=acme"))
    assert "Q-00001" in acme and "Q-00002" in acme and f"Q-{globex:05d}" not in acme


def test_the_list_never_counts_every_quote_and_pages_by_previous_and_next(app):
    add_quotes(app, 25)
    client = _staff(app)
    client.get(QUOTES)
    with count_queries(app) as statements:
        html = client.get(QUOTES).get_data(as_text=True)
    assert [s for s in statements if "count(" in s.lower() and "quotes" in s.lower()] == []
    assert f'href="{QUOTES}?page=1&amp;page_size=20">Next</a>' in html


# --- answering -----------------------------------------------------------------------------------

def test_support_answers_and_the_buyer_gets_the_offer_by_mail(app):
    client, quote_id = _staff(app), _quote_id(app, "Q-00002")
    html = details(client, quote_id)
    assert 'data-testid="answer-form"' in html and "like 1.500,50" in html
    assert 'name="transition" value="answer"' not in html  # the answer is the form, not a bare button
    assert 'name="transition" value="reject"' in html
    lines = text(html.split('data-testid="lines"')[1].split("</table>")[0])
    assert "BOLT-M8 Hex bolt M8 × 40, zinc plated 500 €0.18" in lines and "NOPRICE-1 Custom gasket 1 No price" in lines
    valid = (date.today() + timedelta(days=14)).isoformat()
    response = answer(client, quote_id, {"BOLT-M8": "0,15", "NOPRICE-1": "1.250,00"}, valid, note="Ships in May.")
    page = follow(client, response)
    assert "Quote Q-00002 is answered: Anna Admin gets the offer by mail." in flashes(page)
    assert 'data-testid="state">Answered<' in page and 'data-testid="answer-form"' not in page
    totals = text(page.split('data-testid="lines"')[1].split("</table>")[0])
    assert "BOLT-M8 Hex bolt M8 × 40, zinc plated 500 €0.18 €0.15 €75.00" in totals
    assert "NOPRICE-1 Custom gasket 1 No price €1,250.00 €1,250.00" in totals and "Net total €1,325.00" in totals
    assert "Waiting for our answer → Answered" in text(page.split('data-testid="history"')[1].split("</ul>")[0])
    with app.app_context():
        [mail] = outbox(ANNA, "quote_answered")
        assert mail.subject == "Your quote is ready"
        assert "2 products for €1,325.00 (net)" in mail.body_text and "Ships in May." in mail.body_text
        assert f"/quotes/{quote_id}" in mail.body_text


@pytest.mark.parametrize("prices,valid_in_days,field,message", [
    ({"BOLT-M8": "0,15"}, 14, "NOPRICE", "Give a price for NOPRICE-1 (Custom gasket)."),
    ({"BOLT-M8": "abc", "NOPRICE-1": "5,00"}, 14, "BOLT", "The price of BOLT-M8: “abc” is not an amount"),
    ({"BOLT-M8": "0,155", "NOPRICE-1": "5,00"}, 14, "BOLT", "has 3 decimal places, but EUR amounts have 2"),
    ({"BOLT-M8": "-1", "NOPRICE-1": "5,00"}, 14, "BOLT", "The price of BOLT-M8 must be zero or more."),
    ({"BOLT-M8": "0,15", "NOPRICE-1": "5,00"}, -1, "valid_until", "The last day the prices hold cannot be in the past."),
    ({"BOLT-M8": "0,15", "NOPRICE-1": "5,00"}, 400, "valid_until", "A quote holds for at most a year."),
    ({"BOLT-M8": "0,15", "NOPRICE-1": "5,00"}, None, "valid_until", "“31.12.2026” is not a date"),
])
def test_a_bad_answer_says_what_is_wrong_beside_the_field_and_changes_nothing(app, prices, valid_in_days, field,
                                                                              message):
    client, quote_id = _staff(app), _quote_id(app, "Q-00002")
    valid = "31.12.2026" if valid_in_days is None else (date.today() + timedelta(days=valid_in_days)).isoformat()
    response = answer(client, quote_id, prices, valid)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert any(message in m for m in flashes(html)), flashes(html)
    line_ids = _lines(app, quote_id)
    name = {"BOLT": f"price-{line_ids['BOLT-M8']}", "NOPRICE": f"price-{line_ids['NOPRICE-1']}"}.get(field, field)
    tag, feedback = _field(html, name)
    assert "is-invalid" in tag and message in feedback, (tag, feedback)
    assert f'value="{prices.get("BOLT-M8", "")}"' in html  # what was typed is kept to correct it
    quote = _quote(app, quote_id)
    assert quote.state == "requested" and quote.valid_until is None and quote.net_total is None
    assert all(line.quoted_price is None for line in quote.lines)
    with app.app_context():
        assert outbox(ANNA, "quote_answered") == []


def test_of_two_clerks_answering_the_second_is_told_and_the_first_answer_stands(app):
    first, second, quote_id = _staff(app), _staff(app, "agent@atrium.example"), _quote_id(app, "Q-00002")
    stale = details(second, quote_id)
    valid = (date.today() + timedelta(days=10)).isoformat()
    assert answer(first, quote_id, {"BOLT-M8": "0,15", "NOPRICE-1": "5,00"}, valid).status_code == 302
    response = answer(second, quote_id, {"BOLT-M8": "0,10", "NOPRICE-1": "4,00"}, valid, page=stale)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This quote was already moved to Answered by someone else; nothing was changed." in flashes(html)
    assert 'data-testid="state">Answered<' in html and 'data-testid="answer-form"' not in html
    quote = _quote(app, quote_id)
    assert [line.quoted_price for line in quote.lines] == [Decimal("0.15"), Decimal("5.00")]
    with app.app_context():
        assert len(outbox(ANNA, "quote_answered")) == 1


def test_declining_to_offer_needs_a_reason_and_tells_the_buyer(app):
    client, quote_id = _staff(app), _quote_id(app, "Q-00002")
    html = details(client, quote_id)
    page = follow(client, client.post(TRANSITION, data=dict(step_form(html, "reject"), comment="")))
    assert "Pick a reason for this step." in flashes(page)
    data = dict(step_form(html, "reject"), comment="Try our M10 bolts.",
                reason_id=reason_options(html, "reject")["Product not available"])
    page = follow(client, client.post(TRANSITION, data=data))
    assert "Decline to offer: Quote Q-00002 is now Not offered." in flashes(page)
    assert "Reason: Product not available" in text(page.split('data-testid="history"')[1])
    with app.app_context():
        [mail] = outbox(ANNA, "quote_status")
        assert mail.subject == "About your quote request"
        assert "Product not available" in mail.body_text and "Try our M10 bolts." in mail.body_text
    assert "Not offered" in text(_staff(app).get(f"{QUOTES}?flt0_state_equals=rejected"))


def test_from_ben_s_cart_to_an_order_at_the_prices_support_answered(app):
    """The whole way: Ben asks from his cart, support answers here, the mail brings Ben to the quote, he
    accepts, his cart holds the lines at the quoted price, and checkout orders them; the quote links the order."""
    from tests.test_cart import alerts, cart_lines
    from tests.test_checkout import _checkout

    ben = app.test_client()
    assert login(ben, BEN).status_code == 302
    response = ben.post("/cart/quote", data={"csrf_token": csrf_token(ben.get("/cart").get_data(as_text=True)),
                                             "comment": "For 10 we would come back monthly."})
    quote_id = int(response.location.rsplit("/", 1)[1])
    support = _staff(app)
    assert f"Q-{quote_id:05d}" in text(support.get(f"{QUOTES}?flt0_state_equals=requested"))
    valid = (date.today() + timedelta(days=20)).isoformat()
    assert answer(support, quote_id, {"BOLT-M8": "0,15"}, valid, note="Monthly is fine.").status_code == 302
    with app.app_context():
        link = mail_link(BEN, "/quotes/")
    assert link == f"/quotes/{quote_id}"
    page = ben.get(link)
    assert "Answered" in text(page) and "Our answer Monthly is fine." in text(page)
    token = csrf_token(page.get_data(as_text=True))
    response = ben.post(f"/quotes/{quote_id}/move", data={"csrf_token": token, "step": "accept",
                                                          "expected_state": "answered"})
    cart = ben.get(response.location)
    assert response.location == "/cart" and "are in your cart at the quoted prices" in alerts(
        cart.get_data(as_text=True))[0]
    assert "BOLT-M8 Quoted price 0,15 €" in text(cart) and "1,50 €" in text(cart)  # 10 at the quoted price
    assert cart_lines(app, BEN) == {"BOLT-M8": 10}
    assert _checkout(app, ben).status_code == 302
    with app.app_context():
        order = db.session.scalar(select(Order).order_by(Order.id.desc()).limit(1))
        assert [(line.sku, line.unit_price) for line in order.lines] == [("BOLT-M8", Decimal("0.15"))]
        order_id, number = order.id, order.number
    page = ben.get(f"/quotes/{quote_id}")
    assert f"Quote Q-{quote_id:05d} Ordered" in text(page) and f"Ordered as {number}." in text(page)
    assert f'href="/orders/{order_id}">See the order</a>' in page.get_data(as_text=True)
    assert "Open the order" in details(support, quote_id)


def test_an_answered_quote_offers_staff_no_further_step(app):
    html = details(_staff(app), _quote_id(app, "Q-00001"))
    assert "No further steps from this status." in text(html) and 'data-testid="answer-form"' not in html
    assert "Net total €1,980.00" in text(html.split('data-testid="lines"')[1].split("</table>")[0])
    assert "Our best price for 20." in text(html)


# --- who may, and what it costs ------------------------------------------------------------------

def test_quotes_are_for_staff_who_manage_orders(app):
    quote_id = _quote_id(app, "Q-00002")
    with app.app_context():
        f.StaffUserFactory(email="cat@atrium.example", roles=["catalog_manager"])
        db.session.commit()
    for email, status in (("cat@atrium.example", 403), ("support@atrium.example", 200),
                          ("agent@atrium.example", 200), ("admin@atrium.example", 200)):
        client = _staff(app, email)
        assert client.get(QUOTES).status_code == status, email
        assert client.get(f"{QUOTES}details/?id={quote_id}").status_code == status, email
    cat = _staff(app, "cat@atrium.example")
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        assert cat.post(ANSWER, data={"id": str(quote_id), "valid_until": "2099-01-01"}).status_code == 403
        assert cat.post(TRANSITION, data={"id": str(quote_id), "transition": "reject"}).status_code == 403
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert _quote(app, quote_id).state == "requested"
    customer = app.test_client()
    login(customer, ANNA)
    assert customer.get(QUOTES).status_code == 403


def test_an_answer_to_a_quote_that_does_not_exist_is_a_404(app):
    client = _staff(app)
    data = form_values(details(client, _quote_id(app, "Q-00002")), ANSWER)
    assert client.post(ANSWER, data=dict(data, id="999999")).status_code == 404


def _statements(app, client, path: str) -> list[str]:
    assert client.get(path).status_code == 200, path
    with count_queries(app) as statements:
        assert client.get(path).status_code == 200
    return statements


def test_quote_pages_cost_the_same_few_statements_with_1_and_31_extra_quotes(app):
    client, quote_id = _staff(app), _quote_id(app, "Q-00002")
    pages = [QUOTES, f"{QUOTES}?search=globex", f"{QUOTES}?search=Q-00002", f"{QUOTES}?flt0_state_equals=requested",
             f"{QUOTES}?page=1", f"{QUOTES}details/?id={quote_id}", f"{QUOTES}details/?id=1"]
    add_quotes(app, 1)
    small = {path: len(_statements(app, client, path)) for path in pages}
    add_quotes(app, 30, minutes_ago=60)
    with app.app_context():  # and more of what a details page shows: lines, history
        quote = db.session.get(Quote, quote_id)
        quote.lines.extend(QuoteLine(position=i + 2, sku=f"L-{i}", name="Line", quantity=1) for i in range(30))
        db.session.flush()
        answer_quote(quote, actor=SYSTEM, prices={line.id: "1,00" for line in quote.lines},
                     valid_until=date.today() + timedelta(days=5))
        db.session.commit()
    large = {path: len(_statements(app, client, path)) for path in pages}
    assert large == small
    assert max(large.values()) <= DETAILS_BOUND and large[QUOTES] <= LIST_BOUND, large


@pytest.mark.parametrize("email", [None, "support@atrium.example", "cat@atrium.example"])
def test_each_quote_route_passes_the_permission_walk(app, email):
    """As ``tests.test_permission_walk`` walks every route: sign-in for visitors, a 403 for staff without
    the orders permission, and for those with it no 403, no error, and no write on a GET."""
    from tests.test_permission_walk import _is_login_redirect, _request, assert_reachable, classify, walk_rules

    routes = [route for route in walk_rules(app) if route[0].startswith("quotes.")]
    assert {r[0] for r in routes} >= {"quotes.index_view", "quotes.details_view", "quotes.transition_view",
                                      "quotes.answer_view"}
    assert {classify(app, r[0]) for r in routes} == {("admin", StaffPerm.MANAGE_ORDERS)}
    client = app.test_client()
    if email:
        with app.app_context():
            f.StaffUserFactory(email="cat@atrium.example", roles=["catalog_manager"])
            db.session.commit()
        assert login(client, email, path="/admin/login/").status_code == 302
    for endpoint, url, method, (face, _) in routes:
        response = _request(client, app, method, url)
        if email is None:
            assert _is_login_redirect(response, face), (endpoint, url)
        elif email.startswith("cat"):
            assert response.status_code == 403, (endpoint, url, response.status_code)
        else:
            assert_reachable(response, face, endpoint, url)
