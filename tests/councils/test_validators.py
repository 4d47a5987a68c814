"""Unified social credit codes (GB 32100) and masked phones (DESIGN.md invariant 8)."""

import pytest
from django.core.exceptions import ValidationError

from councils.validators import credit_code_check_char, mask_phone, validate_credit_code

# Published codes of real organisations, whose check characters are known to be right.
GOOD = ["91350100M000100Y43", "11100000000013127D", "91110000802100433B"]


@pytest.mark.parametrize("code", GOOD)
def test_valid_codes_pass(code):
    validate_credit_code(code)
    assert credit_code_check_char(code[:17]) == code[17]


def test_lower_case_is_accepted_as_upper_case():
    validate_credit_code("91350100m000100y43")


def test_wrong_check_character_names_the_right_one():
    with pytest.raises(ValidationError) as error:
        validate_credit_code("91350100M000100Y44")
    message = error.value.messages[0]
    assert "校验位错误" in message
    assert "“3”" in message and "“4”" in message


@pytest.mark.parametrize(
    ("code", "words"),
    [("9135010", "18位"), ("91350100M000100I43", "无效字符"), ("913501A0M000100Y43", "无效字符")],
)
def test_malformed_codes_say_what_is_wrong(code, words):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert words in error.value.messages[0]


@pytest.mark.parametrize(
    ("phone", "masked"), [("13812341234", "138****1234"), ("0598-8221234", "059****1234"), ("", "")]
)
def test_phones_are_masked(phone, masked):
    assert mask_phone(phone) == masked
