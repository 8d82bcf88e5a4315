"""Unified social credit codes (统一社会信用代码): format and GB 32100 check character."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sfa_common.contracts.opportunities import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_character,
    is_valid_credit_code,
)

# Published codes of real companies (Huawei, Tencent, Alibaba, China Mobile, ...).
REAL_CODES = ["914403001922038216", "91440300708461136T", "91330100716105852F",
              "911100001000128855", "91110000802100433B"]

first_17 = st.tuples(
    st.text(CREDIT_CODE_ALPHABET, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(CREDIT_CODE_ALPHABET, min_size=9, max_size=9),
).map("".join)


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert is_valid_credit_code(code)


@given(first_17)
def test_a_code_with_its_check_character_is_valid(body):
    assert is_valid_credit_code(body + credit_code_check_character(body))


@given(first_17, st.integers(0, 17), st.sampled_from(CREDIT_CODE_ALPHABET))
def test_any_single_mistyped_character_is_caught(body, position, replacement):
    code = body + credit_code_check_character(body)
    mistyped = code[:position] + replacement + code[position + 1:]
    assert is_valid_credit_code(mistyped) == (mistyped == code)


@pytest.mark.parametrize("code", [
    "91440300708461136t",     # lowercase check character
    "91440300708461136T\n",   # trailing newline ($ would have let it through)
    "9144030070846113",       # too short
    "914403007084611360T",    # too long
    "91440300708461I36T",     # I is not in the alphabet
    "91A40300708461136T",     # characters 3-8 are digits
    "",
    None,
    914403001922038216,
])
def test_malformed_codes_are_invalid(code):
    assert not is_valid_credit_code(code)
