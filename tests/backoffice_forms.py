"""Read back office pages the way a browser would: form values, flash messages, text."""
from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from sqlalchemy import select

from extensions import db
from models.mail import OutboxMessage


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
        if tag == "form" and not self.done and (attrs.get("action") or "") == self.action:
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


def form_values(html: str, action: str = "") -> dict[str, str]:
    """The values a browser would post from the form with this ``action`` (Flask-Admin forms: "")."""
    parser = _FormParser(action)
    parser.feed(html)
    assert parser.values, f"no form with action {action!r}"
    return dict(parser.values)


def flashes(html: str) -> list[str]:
    """The flash messages on a page, as plain text."""
    found = re.findall(r'<div class="alert alert-[a-z]+[^"]*"[^>]*>(.*?)</div>', html, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", f)).replace("×", "").split()) for f in found]


def text(html: str) -> str:
    """The page's visible text, whitespace collapsed."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def outbox(email: str, template: str | None = None) -> list[OutboxMessage]:
    """Mail written to the outbox for ``email`` (optionally one template), oldest first."""
    query = select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id)
    if template:
        query = query.where(OutboxMessage.template == template)
    return db.session.scalars(query).all()


def follow(client, response):
    """Follow one redirect and return the page's HTML."""
    assert response.status_code == 302, (response.status_code, response.get_data(as_text=True)[:500])
    return client.get(response.location).get_data(as_text=True)
