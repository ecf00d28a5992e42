"""The ordering's audit events read as plain sentences with what their operations record (test_vocabulary
checks every action reads as a sentence at all; this checks what the sentences say)."""
from __future__ import annotations

import re

import pytest
from flask import get_template_attribute

from models.audit import AuditEvent

ANNA = "Anna Admin <anna.admin@acme.example>"
BOLT = "Hex bolt M8 × 40, zinc plated (BOLT-M8)"

SENTENCES = [
    ("catalog.imported", "", {"file": "Products", "created": 3, "updated": 2, "unchanged": 10, "refused": 1},
     "Anna Admin imported a file of products: 3 added, 2 changed, 10 unchanged, 1 line refused."),
    ("price.saved", BOLT, {"price_list": "Base prices (EUR)", "min_quantity": 100, "before": "0.22",
                           "after": "0.20"},
     f"Anna Admin changed the price of {BOLT} in Base prices (EUR) from 100 on: 0.22 → 0.20."),
    ("price.saved", BOLT, {"price_list": "Base prices (EUR)", "min_quantity": 1, "before": None, "after": "0.25"},
     f"Anna Admin set the price of {BOLT} in Base prices (EUR) from 1 on: 0.25."),
    ("product.activated", BOLT, {}, f"Anna Admin put {BOLT} back in the catalog."),
    ("product.deactivated", BOLT, {}, f"Anna Admin took {BOLT} out of the catalog."),
    ("order.placed", "Order DE-10042", {"number": "DE-10042", "total": "1234.50", "lines": 3},
     "Anna Admin placed the order DE-10042 (3 lines, 1234.50 in all)."),
    ("order.placed", "Order DE-10043", {"number": "DE-10043", "total": "12.00", "lines": 1, "currency": "EUR"},
     "Anna Admin placed the order DE-10043 (1 line, €12.00)."),
    ("order_template.created", "Order template “Restock”", {"name": "Restock"},
     "Anna Admin saved the order template Restock."),
    ("quote.requested", "Quote Q-00007", {"number": "Q-00007", "lines": 2},
     "Anna Admin asked for the quote Q-00007 (2 lines)."),
    ("recurring_order.paused", "Recurring order R-00003", {"number": "R-00003"},
     "Anna Admin paused the recurring order R-00003."),
    ("asset.created", "Lathe (SN-1)", {"name": "Lathe"}, "Anna Admin added the asset Lathe."),
    ("asset.changed", "Lathe (SN-1)", {"fields": ["serial_number", "business units"]},
     "Anna Admin changed the asset Lathe (SN-1) (serial number, business units)."),
    ("file.uploaded", "manual.pdf", {"name": "manual.pdf", "asset": "Lathe"},
     "Anna Admin uploaded manual.pdf to the asset Lathe."),
    ("inquiry.created", "Inquiry INQ-00007", {"reference": "INQ-00007", "kind": "Asset inquiry", "files": 2},
     "Anna Admin sent the asset inquiry INQ-00007 with 2 files."),
    ("inquiry.noted", "Inquiry INQ-00007", {"reference": "INQ-00007"},
     "Anna Admin added an internal note to INQ-00007."),
]


def sentence(app, action: str, target: str, details: dict) -> str:
    event = AuditEvent(action=action, actor_kind="company", actor_label=ANNA, target_label=target, details=details)
    with app.test_request_context():
        html = str(get_template_attribute("shared/audit.html", "describe")(event))
    return " ".join(re.sub(r"<[^>]+>", "", html).split()).replace("&#34;", '"')


@pytest.mark.parametrize("action, target, details, expected", SENTENCES)
def test_an_ordering_event_says_what_happened(app, action, target, details, expected):
    assert sentence(app, action, target, details) == expected
