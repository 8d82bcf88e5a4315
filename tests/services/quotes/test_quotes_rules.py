"""The product contract's pure parts: page cursors, and dumping for the gateway."""
import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sfa_common.contracts.quotes import (
    SKU_PATTERN,
    ProductQuerySchema,
    decode_cursor,
    encode_cursor,
)

skus = st.from_regex(SKU_PATTERN, fullmatch=True)


@given(skus)
def test_a_cursor_decodes_to_the_sku_it_was_made_from(sku):
    cursor = encode_cursor(sku)
    assert decode_cursor(cursor) == sku
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize("cursor", [
    "",
    "!!!!",
    "U1JWLTE=",                                            # padded: not the canonical form
    "U1JWLTF",                                             # trailing bits set: not canonical
    base64.urlsafe_b64encode(b"srv-1").decode().rstrip("="),  # decodes, but to no SKU
    base64.urlsafe_b64encode(b"\xff\xfe").decode().rstrip("="),  # not even text
    encode_cursor("SRV-1") + "\n",
    "QQ" * 40,                                             # longer than any SKU's cursor
    None,
])
def test_anything_but_a_cursor_we_issued_is_refused(cursor):
    with pytest.raises(ValueError):
        decode_cursor(cursor)


def test_a_loaded_query_dumps_back_to_what_it_was_loaded_from():
    # The gateway loads the HTTP query, then dumps it for the RPC call.
    wire = {"active": True, "category": "hardware", "limit": 20, "cursor": encode_cursor("SRV-1")}
    loaded = ProductQuerySchema().load(wire)
    assert loaded["cursor"] == "SRV-1"
    assert ProductQuerySchema().dump(loaded) == wire
