"""Money on the page: Decimal yuan with two places and thousands separators (12,345.60)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()

CENT = Decimal("0.01")


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError, TypeError):
        return None


@register.filter
def yuan(value) -> str:
    """12345.6 → "12,345.60"; anything that is not a number shows as itself."""
    amount = _decimal(value)
    if amount is None:
        return "" if value is None else str(value)
    return f"{amount:,.2f}"


@register.filter
def signed_yuan(value) -> str:
    """Money in and out of a fund: "+500.00" and "−120.00" (a true minus sign)."""
    amount = _decimal(value)
    if amount is None:
        return "" if value is None else str(value)
    if amount < 0:
        return f"\u2212{-amount:,.2f}"
    return f"+{amount:,.2f}"
