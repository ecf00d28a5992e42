"""An order as a PDF, drawn locally with fpdf2 and the DejaVu font shipped under static/fonts."""
from __future__ import annotations

import os

from flask import current_app
from fpdf import FPDF

from locales import money


def _font_dir() -> str:
    return os.path.join(current_app.static_folder, "fonts")


def order_pdf(order, lines, state_label: str) -> bytes:
    """The order page on A4: header, addresses, lines, totals."""
    pdf = FPDF(format="A4")
    pdf.set_title(f"Order {order.number}")
    pdf.set_author("Atrium")
    pdf.add_font("DejaVu", "", os.path.join(_font_dir(), "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", os.path.join(_font_dir(), "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 10, f"Order {order.number}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for text in (f"Placed {order.placed_at.strftime('%d %b %Y %H:%M')} UTC by {order.buyer_name}",
                 f"State: {state_label}", f"Your reference: {order.reference or '—'}", "Payment: on account (invoice)"):
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _addresses(pdf, order)
    _lines(pdf, order, lines)
    return bytes(pdf.output())


def _addresses(pdf: FPDF, order) -> None:
    top = pdf.get_y()
    for x, title, text in ((10, "Ship to", order.shipping_address), (105, "Bill to", order.billing_address)):
        pdf.set_xy(x, top)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(90, 6, title, new_x="LEFT", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(90, 5, text or "—", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(10, max(pdf.get_y(), top + 32))


def _lines(pdf: FPDF, order, lines) -> None:
    widths = (30, 80, 20, 30, 30)
    pdf.set_font("DejaVu", "B", 10)
    for width, title in zip(widths, ("SKU", "Product", "Qty", "Unit price", "Total")):
        pdf.cell(width, 7, title, border="B", align="R" if title in ("Qty", "Unit price", "Total") else "L")
    pdf.ln()
    pdf.set_font("DejaVu", "", 9)
    for line in lines:
        cells = (line.sku, line.name[:48], str(line.quantity), money(line.unit_price, order.currency),
                 money(line.line_total, order.currency))
        for i, (width, text) in enumerate(zip(widths, cells)):
            pdf.cell(width, 6, text, align="R" if i >= 2 else "L")
        pdf.ln()
    pdf.ln(2)
    for label, amount, style in (("Net", order.net_total, ""), (f"Tax ({order.tax_rate.normalize()} %)",
                                 order.tax_total, ""), ("Total", order.gross_total, "B")):
        pdf.set_font("DejaVu", style, 10)
        pdf.cell(sum(widths[:4]), 6, label, align="R")
        pdf.cell(widths[4], 6, money(amount, order.currency), align="R", new_x="LMARGIN", new_y="NEXT")
