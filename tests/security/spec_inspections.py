"""Access matrix entries for inspections/views*.py."""

from .matrix import View  # noqa: F401

SPEC: dict = {}
