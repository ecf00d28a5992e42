"""What a new password must be: long enough, hard to guess, and not made of the person's own names.

Strength is zxcvbn's estimate (0-4) of how many guesses a password takes,
told the person's e-mail and names so that "Anna-Acme-2026" scores as weak as
it is; ``PASSWORD_MIN_STRENGTH`` sets the bar. The refusal says why, in
zxcvbn's words where it has them.
"""
from __future__ import annotations

import re

from flask import current_app
from zxcvbn import zxcvbn

from models.base import DomainError

MAX_LENGTH = 200
CHECKED_LENGTH = 100  # zxcvbn's cost grows with length; beyond this a password is long enough anyway


def _letters(text: str) -> str:
    return re.sub(r"[\W_]+", "", (text or "").lower())


def personal_words(email: str, *names: str) -> tuple[str, ...]:
    """The words a password must not be built on: the address, its name part, the person's names."""
    local = (email or "").partition("@")[0]
    return tuple(word for word in (email, local, *names) if word)


def check_new_password(password: str, confirm: str | None = None, *, about: tuple[str, ...] = ()) -> None:
    """Refuse a password that is too short or long, guessable, about the person, or unlike its confirmation."""
    password = password or ""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise DomainError(f"Choose a password of at least {minimum} characters.", "password")
    if len(password) > MAX_LENGTH:
        raise DomainError(f"Choose a password of at most {MAX_LENGTH} characters.", "password")
    words = personal_words(*about) if about else ()
    flat = _letters(password)
    if any(len(_letters(word)) >= 4 and _letters(word) in flat for word in words):
        raise DomainError("Choose a password that does not contain your e-mail address or your name.", "password")
    estimate = zxcvbn(password[:CHECKED_LENGTH], user_inputs=[w for w in words if len(w) <= CHECKED_LENGTH])
    if estimate["score"] < current_app.config["PASSWORD_MIN_STRENGTH"]:
        raise DomainError(_weak_because(estimate["feedback"]), "password")
    if confirm is not None and password != confirm:
        raise DomainError("The two passwords do not match.", "confirm")


def _weak_because(feedback: dict) -> str:
    reason = (feedback.get("warning") or "").rstrip(".")
    hint = " ".join(feedback.get("suggestions") or [])
    said = f"This password is easy to guess: {reason[0].lower() + reason[1:]}." if reason else \
        "This password is easy to guess."
    return f"{said} {hint or 'Use a few unrelated words, or a longer password.'}".strip()
