"""Amounts in Chinese capital numerals (大写金额), as written on receipts and statements:
壹万贰仟叁佰元整. Follows the accounting convention: 整 after 元 or 角, none after 分; one 零
for each run of zeros inside the number."""

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ["", "拾", "佰", "仟"]
BIG_UNITS = ["", "万", "亿", "万亿"]


def _four(group: int) -> str:
    """0–9999 without leading or trailing zeros, inner zeros as one 零."""
    text, zero = "", False
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit == 0:
            zero = bool(text)
        else:
            if zero:
                text += "零"
                zero = False
            text += DIGITS[digit] + SMALL_UNITS[position]
    return text


def _integer(value: int) -> str:
    if value == 0:
        return ""
    groups = []
    while value:
        groups.append(value % 10000)
        value //= 10000
    text, need_zero = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(text)
            continue
        if text and (need_zero or group < 1000):
            text += "零"
        text += _four(group) + BIG_UNITS[index]
        need_zero = False
    return text


def to_capital(amount: Decimal) -> str:
    """12345678.90 → 壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角整; 0.05 → 伍分; 0 → 零元整."""
    amount = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if amount < 0:
        return "负" + to_capital(-amount)
    cents = int(amount * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    text = _integer(yuan)
    if yuan:
        text += "元"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif yuan and fen:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    else:
        text += "整"
    return text
