"""Behind reverse proxies (TRUSTED_PROXIES) the sign-in throttle counts the visitor's address from
X-Forwarded-For; without them the header is ignored, so a client cannot name itself a fresh address."""
from __future__ import annotations

import pytest

from tests.databases import world_app
from tests.helpers import csrf_token

REFUSED = "Too many failed sign-ins from your network"


def _sign_in(client, forwarded_for: str) -> str:
    # A browser behind the proxy sends the Referer that HTTPS form posts are checked against.
    headers = {"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https", "Referer": "https://localhost/login"}
    token = csrf_token(client.get("/login", headers=headers).get_data(as_text=True))
    response = client.post("/login", headers=headers, data={"email": "ben.buyer@acme.example",
                                                            "password": "not-the-password", "csrf_token": token})
    return response.get_data(as_text=True)


@pytest.mark.parametrize("proxies", [0, 1])
def test_the_throttle_counts_the_address_a_trusted_proxy_names(tmp_path, proxies):
    with world_app(tmp_path, TRUSTED_PROXIES=proxies, LOGIN_MAX_FAILURES_PER_IP=2,
                   LOGIN_MAX_FAILURES_PER_ACCOUNT=100) as app:
        client = app.test_client()
        assert REFUSED not in _sign_in(client, "203.0.113.5")
        assert REFUSED not in _sign_in(client, "203.0.113.5")
        assert REFUSED in _sign_in(client, "203.0.113.5")  # that address has used its attempts
        elsewhere = _sign_in(client, "198.51.100.7")
        # Behind a proxy another visitor is another address; without one the header means nothing.
        assert (REFUSED in elsewhere) is (proxies == 0)
