"""A company's history lists (assets, inquiries, files, booked services) count their rows up to
``paging.COUNT_CAP`` and page on past it: "1,000+" and Next while rows follow, so a page costs the same
for a company of 30 rows or of 30,000.

The tests shrink the cap and the page to two rows, against Acme's three assets and three inquiries.
"""
from __future__ import annotations

import re

import pytest

from tests.helpers import count_queries, text

ANNA = "anna.admin@acme.example"
LISTS = [("/assets", "portal.assets", "assets", ("Hydraulic press HP-200", "Compressor K7", "Forklift FL-3")),
         ("/inquiries", "portal.inquiries", "inquiries", ("INQ-00001", "INQ-00002", "INQ-00003"))]


@pytest.fixture
def two_and_two(monkeypatch):
    import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    for module in ("portal.assets", "portal.inquiries"):
        monkeypatch.setattr(f"{module}.PER_PAGE", 2)


def _shown(page: str, names) -> set[str]:
    return {name for name in names if name in page}


@pytest.mark.parametrize("path, module, noun, names", LISTS)
def test_a_list_past_the_count_says_more_and_pages_on_to_its_end(app, login_as, two_and_two, path, module,
                                                                  noun, names):
    client = login_as(ANNA)
    first = text(client.get(path))
    assert f"2+ {noun}" in first and "Page 1 · more than 2 in all" in first
    second_html = client.get(path, query_string={"page": 2}).get_data(as_text=True)
    second = text(second_html)
    assert "Page 2 · more than 2 in all" in second
    assert len(_shown(first, names)) == 2 and len(_shown(second, names)) == 1
    assert _shown(first, names) | _shown(second, names) == set(names)  # every row, once
    assert re.search(r'page-item disabled"><a class="page-link" href="[^"]*page=3', second_html)  # no Next
    assert _shown(text(client.get(path, query_string={"page": 9})), names) == _shown(second, names)  # the last


@pytest.mark.parametrize("path, module, noun, names", LISTS)
def test_a_list_within_the_count_says_how_many(app, login_as, path, module, noun, names):
    client = login_as(ANNA)
    page = text(client.get(path))
    assert f"3 {noun}" in page and f"+ {noun}" not in page and "more than" not in page


@pytest.mark.parametrize("path, module, noun, names", LISTS)
def test_counting_past_the_cap_costs_no_statement_more(app, login_as, monkeypatch, path, module, noun, names):
    client = login_as(ANNA)
    client.get(path)
    with count_queries(app) as within:
        client.get(path)
    import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    with count_queries(app) as past:
        assert "2+" in text(client.get(path))
    assert len(past) == len(within)
