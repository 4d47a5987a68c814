"""Access matrix entries for finance/views.py."""

from .matrix import View  # noqa: F401

SPEC: dict = {}
