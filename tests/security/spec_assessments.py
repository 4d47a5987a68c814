"""Access matrix entries for the assessments app (issue 6): filled by each area's views."""

SPEC: dict = {}
