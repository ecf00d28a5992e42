"""The portal explains itself to a newcomer: which sign-up is which, and which shop they are in."""
from __future__ import annotations

import re

from tests.helpers import text


def test_the_sign_in_page_says_how_applying_and_registering_differ(client):
    page = text(client.get("/login"))
    assert "Apply for a company account : your company is new here; we review the application" in page
    assert "Register : open an account for yourself right away" in page


def test_a_visitor_sees_the_shop_they_are_in_and_can_switch(client):
    page = client.get("/register?shop=atrium-de").get_data(as_text=True)
    switch = re.search(r'<select[^>]*id="shop-switch"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.search(r'<option value="atrium-de" selected>Atrium Germany</option>', switch)
    assert '<option value="atrium-us" >Atrium USA</option>' in switch
    switched = client.get("/register?shop=atrium-us").get_data(as_text=True)
    assert re.search(r'<option value="atrium-us" selected>Atrium USA</option>', switched)
    assert re.search(r'<option value="atrium-us" selected>', client.get("/login").get_data(as_text=True))


def test_a_signed_in_customer_sees_their_shop_without_a_switch(login_as):
    page = login_as("ben.buyer@acme.example").get("/").get_data(as_text=True)
    assert 'id="shop-switch"' not in page
    assert '<span class="atrium-shop ml-3 mr-auto" title="The shop you are in">Atrium Germany</span>' in page


def test_the_profile_asks_for_the_phone_once(login_as):
    page = login_as("anna.admin@acme.example").get("/account/profile").get_data(as_text=True)
    assert "Contact phone" not in page
    assert len(re.findall(r'<label[^>]*>Phone', page)) == 1
