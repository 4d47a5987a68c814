"""Validators for Chinese identifiers (DESIGN.md invariant 8)."""

import re
from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z), the last one a check
# character computed from the first 17 with weights 3^i mod 31.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_char(first17: str) -> str:
    """The check character that completes the first 17 characters of a credit code."""
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Refuse a unified social credit code (统一社会信用代码) that is malformed or whose check
    character is wrong, saying which."""
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(n)d位。"), code="credit_code_length", params={"n": len(code)}
        )
    if not CREDIT_CODE_RE.match(code):
        raise ValidationError(
            _(
                "统一社会信用代码含有无效字符：只能使用数字和除 I、O、S、V、Z 以外的大写字母，"
                "第3至8位为行政区划代码。"
            ),
            code="credit_code_format",
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("统一社会信用代码校验位错误：第18位应为“%(expected)s”，而不是“%(actual)s”，请核对。"),
            code="credit_code_check",
            params={"expected": expected, "actual": code[17]},
        )


PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


def validate_phone(value: str) -> None:
    if value and not PHONE_RE.match(value.replace(" ", "")):
        raise ValidationError(_("请输入11位手机号或带区号的固定电话，例如 13800001234 或 0598-8221234。"))


def mask_phone(value: str) -> str:
    """138****1234: lists show phone numbers masked (DESIGN.md invariant 8)."""
    digits = (value or "").replace(" ", "")
    if len(digits) < 7:
        return "****" if digits else ""
    return f"{digits[:3]}****{digits[-4:]}"


class MinimumLengthValidator:
    """Django's length rule, with a message that reads well in Chinese (Django's own catalogue
    leaves this one untranslated)."""

    def __init__(self, min_length: int = 10):
        self.min_length = min_length

    def validate(self, password: str, user=None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                _("密码太短：至少需要 %(min_length)d 个字符。"),
                code="password_too_short",
                params={"min_length": self.min_length},
            )

    def get_help_text(self) -> str:
        return _("密码至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}


# The years the portal keeps (like its year fields): a date typed outside them is a slip of the
# keyboard or a probe, never a record — 1900 or 2999 would skew ledgers, deadlines and quarters.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def validate_plausible_date(value: date | datetime) -> None:
    day = timezone.localdate(value) if isinstance(value, datetime) and timezone.is_aware(value) else value
    if isinstance(day, datetime):
        day = day.date()
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            _("日期须在 %(first)d 年至 %(last)d 年之间，请核对年份。"),
            code="implausible_date",
            params={"first": EARLIEST_DATE.year, "last": LATEST_DATE.year},
        )


def plausible_dates(form: forms.BaseForm) -> forms.BaseForm:
    """Every date and date-time field of the form refuses a day outside the portal's years."""
    for field in form.fields.values():
        if (
            isinstance(field, forms.DateField | forms.DateTimeField)
            and validate_plausible_date not in field.validators
        ):
            field.validators.append(validate_plausible_date)
    return form
