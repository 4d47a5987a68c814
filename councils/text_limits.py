"""How much a user may type into a long text field (issue 14 §8). Without a limit a text area took
100,000 characters into the minutes or a remark; with one the browser stops at the limit
(`maxlength`), the field's hint says where it is, and the form refuses more with Django's own
message while keeping what was typed.

Every app's text areas go through `limited()`; tests/security/test_long_text.py fails on a text
area without a limit.
"""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext

# A document: the minutes of a meeting, a plan, a building's pact, a bulletin's commentary.
DOCUMENT = 20_000
# The parts of a bulletin compiled from the data, which name every council behind: a large
# district's run long.
COMPILED = 50_000
# A text of some length: a resolution, an opinion on a plan, a task, a finding, a contact's matters.
TEXT = 5_000
# A note, a remark, a reason.
NOTE = 2_000


def _hint(limit: int) -> str:
    return gettext("最多%(n)d字") % {"n": limit}


hint = lazy(_hint, str)


def limited(field: forms.CharField, limit: int | None = None) -> forms.CharField:
    """`field` taking at most `limit` characters (by default its own max_length), with the hint
    after its help text."""
    limit = limit or field.max_length
    field.max_length = limit
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs["maxlength"] = str(limit)
    field.help_text = format_lazy("{}{}{}", field.help_text, " " if field.help_text else "", hint(limit))
    return field
