"""A quote as a PDF (pure: a quote in, bytes out).

Chinese text uses reportlab's built-in CID font STSong-Light (UnicodeCIDFont): the
viewer supplies the glyphs, so no font file ships with the service.
"""
import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_TEXT = ParagraphStyle("text", fontName=FONT, fontSize=9, leading=12)
_TITLE = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=20)


def _money(money):
    return f"{money.amount:,} {money.currency}"


def _percent(value):
    return f"{value.normalize():f}%"


def text(value):
    """A paragraph of ``value`` as plain text (Paragraph reads markup: escape it)."""
    return Paragraph(escape(str(value)), _TEXT)


def file_name(quote):
    return f"{quote['number']}-v{quote['version']}.pdf"


def render(quote):
    """The PDF of ``quote`` (as stored: Money and Decimal values): header, customer,
    lines, totals and validity."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=15 * mm, bottomMargin=15 * mm,
                                 title=f"Quote {quote['number']} v{quote['version']}")
    story = [
        Paragraph(escape(f"报价单 Quote {quote['number']} (v{quote['version']})"), _TITLE),
        Spacer(1, 4 * mm),
        text(f"客户 Customer: {quote.get('account_name') or quote['account_id']}"),
        text(f"商机 Opportunity: {quote.get('opportunity_name') or quote['opportunity_id']}"),
        text(f"状态 Status: {quote['status']}"),
        text(f"有效期至 Valid until: {quote['valid_until'].date().isoformat()}"),
        Spacer(1, 6 * mm),
    ]
    rows = [[text(heading) for heading in (
        "SKU", "产品 Product", "数量 Qty", "单价 Unit price", "折扣 Discount", "金额 Net")]]
    for line in quote["lines"]:
        rows.append([text(line["sku"]), text(line["name"]),
                     text(f"{line['quantity'].normalize():f}"), text(_money(line["unit_price"])),
                     text(_percent(line["line_discount_percent"])), text(_money(line["net"]))])
    table = Table(rows, colWidths=[28 * mm, 52 * mm, 18 * mm, 30 * mm, 20 * mm, 32 * mm],
                  repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    totals = quote["totals"]
    summary = Table([
        [text("小计 Subtotal"), text(_money(totals["subtotal"]))],
        [text(f"折扣 Discount ({_percent(quote['quote_discount_percent'])})"),
         text(_money(totals["discount"]))],
        [text("净额 Net"), text(_money(totals["net"]))],
        [text(f"税 Tax ({_percent(quote['tax_rate_percent'])})"), text(_money(totals["tax"]))],
        [text("合计 Total"), text(_money(totals["total"]))],
    ], colWidths=[50 * mm, 40 * mm], hAlign="RIGHT")
    story += [table, Spacer(1, 6 * mm), summary]
    if quote.get("notes"):
        story += [Spacer(1, 6 * mm), text(f"备注 Notes: {quote['notes']}")]
    document.build(story)
    return buffer.getvalue()
