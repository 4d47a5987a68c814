"""Access matrix entries for the views in councils/views/meetings.py."""

from .matrix import View  # noqa: F401  (and the role sets it needs)

SPEC: dict = {}
