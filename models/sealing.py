"""Secrets kept in stored mail: sealed with the application's key, shown to no one but the recipient.

A mail that carries a link with a token (a password link, an invitation) is
stored with the token replaced by ``HIDDEN``; the token itself is kept beside
the body, encrypted (Fernet, with a key derived from ``SECRET_KEY``). Delivery
puts it back for the one message that goes out and then forgets it, so the
Outbox never holds a live link once the mail is gone. Only the tokens' hashes
are kept anywhere else.
"""
from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

HIDDEN = "⟦hidden⟧"


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"atrium mail secrets\0" + str(current_app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def hide(text: str, secret: str) -> str:
    """``text`` with every occurrence of ``secret`` replaced by ``HIDDEN``."""
    return text.replace(secret, HIDDEN)


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str | None:
    """The secret, or None when it was sealed under another key (``SECRET_KEY`` changed)."""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def reveal(text: str, secret: str) -> str:
    return text.replace(HIDDEN, secret)
