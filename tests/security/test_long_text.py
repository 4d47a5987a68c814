"""Long text is limited (issue 14 §8): each text area of the portal takes at most a number of
characters a user would expect (minutes and plans 20,000, a note or a reason 2,000, …): the
browser stops typing there, the field's hint says "最多N字", and a longer text posted all the same
is refused with Django's message on the field, keeps what was typed and saves nothing.

The pages and fields are those of tests/security/test_hostile_text.py: every text field of every
form is there, so a new text area is checked here too."""

from __future__ import annotations

import pytest
from django import forms
from django.db import transaction

from . import hostile
from .hostile import Unchanged, page
from .hostile_pages import PAGES, open_form, post_form, sign_in
from .test_hostile_text import TEXT_FIELDS, portal_form_classes, resolve

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from hostile.world_for_module(django_db_blocker, tmp_path_factory)


def is_text_area(field: forms.Field) -> bool:
    return isinstance(field, forms.CharField) and isinstance(field.widget, forms.Textarea)


def unlimited(field: forms.Field) -> str | None:
    """What is missing from a text area's limit, or None."""
    limit = field.max_length
    if limit is None:
        return "no max_length"
    if field.widget.attrs.get("maxlength") != str(limit):
        return f"maxlength attribute {field.widget.attrs.get('maxlength')!r} instead of {limit}"
    if f"最多{limit}字" not in str(field.help_text):
        return f"no hint 最多{limit}字 in {str(field.help_text)!r}"
    return None


def test_every_text_area_has_a_limit_its_attribute_and_its_hint(client, world):
    """Each Form class's text areas and those a page builds at run time (a survey's text
    questions, a bulletin's parts)."""
    missing = []
    for cls in portal_form_classes():
        for name, field in cls.base_fields.items():
            if is_text_area(field) and (why := unlimited(field)):
                missing.append(f"{cls.__module__}.{cls.__name__}.{name}: {why}")
    for name in PAGES:
        sign_in(client, world, name)
        with transaction.atomic():
            form = open_form(client, world, name, signed_in=True)
            transaction.set_rollback(True)
        for field_name, field in form.fields.items():
            if is_text_area(field) and (why := unlimited(field)):
                missing.append(f"{name}.{field_name}: {why}")
    assert not missing, "text areas without a limit:\n" + "\n".join(sorted(set(missing)))


def django_message(limit: int, length: int) -> str:
    """The message Django gives for a text over `limit` characters, in Chinese."""
    with pytest.raises(forms.ValidationError) as refused:
        forms.CharField(max_length=limit).clean("长" * length)
    return refused.value.messages[0]


def test_a_text_over_the_limit_is_refused_with_the_message_keeps_what_was_typed_and_saves_nothing(
    client, world
):
    """Every text area of the table, one after the other, each in a savepoint of its own."""
    failures, tried = [], 0
    for name, template in TEXT_FIELDS:
        sign_in(client, world, name)
        with transaction.atomic():
            form = open_form(client, world, name, signed_in=True)
            field = resolve(template, world)
            if is_text_area(form.fields[field]):
                tried += 1
                failures += over_the_limit_refused(client, world, name, form, field)
            transaction.set_rollback(True)
    assert tried >= 40, tried
    assert not failures, "\n".join(failures)


def over_the_limit_refused(client, world, name: str, form, field: str) -> list[str]:
    limit = form.fields[field].max_length
    if limit is None:
        return [f"{name}.{field} takes any length"]
    typed = "长" * (limit + 1)
    try:
        with Unchanged():
            response = post_form(client, world, name, form, {field: typed})
            hostile.refused_on_form(response, django_message(limit, limit + 1), field=field, kept=(typed,))
        assert f"最多{limit}字" in page(response), "no hint on the page"
    except AssertionError as error:
        return [f"{name}.{field}: {str(error)[:300]}"]
    return []
