"""The quote PDF on its own (pure): a real PDF whatever the text holds."""
import io
from datetime import UTC, datetime
from decimal import Decimal

import pypdf

from quotes import pdf
from sfa_common.money import Money


def cny(amount):
    return Money(Decimal(amount), "CNY")


def quote(**fields):
    line = {"sku": "SRV-1", "name": "服务器 & <机架式>", "quantity": Decimal("2"),
            "unit_price": cny("10.00"), "line_discount_percent": Decimal("12.5"),
            "net": cny("17.50")}
    return {"number": "Q-202611-0007", "version": 3, "status": "sent",
            "account_id": "a1", "account_name": "深圳某某有限公司",
            "opportunity_id": "o1", "opportunity_name": "机房", "lines": [line] * 40,
            "totals": {"subtotal": cny("700.00"), "discount": cny("0.00"),
                       "net": cny("700.00"), "tax": cny("91.00"), "total": cny("791.00")},
            "quote_discount_percent": Decimal("0"), "tax_rate_percent": Decimal("13"),
            "valid_until": datetime(2026, 12, 31, tzinfo=UTC), "notes": None, **fields}


def test_markup_characters_print_as_text_and_long_quotes_run_onto_more_pages():
    content = pdf.render(quote())
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 2
    text = "".join(page.extract_text() for page in reader.pages)
    assert "服务器 & <机架式>" in text and "12.5%" in text
    assert "791.00 CNY" in text and "2026-12-31" in text and "Q-202611-0007 (v3)" in text
    assert pdf.file_name(quote()) == "Q-202611-0007-v3.pdf"
