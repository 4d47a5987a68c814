"""The change history of meetings, resolutions, memberships and plans: who, when, what."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from ..models import ChangeLog


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    """The values of `fields` as JSON-friendly text, for comparing before and after."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, name)
        if field.choices and value not in (None, ""):
            value = str(getattr(instance, f"get_{name}_display")())  # 已召开, not "held"
        elif isinstance(value, models.Model):
            value = str(value)
        elif isinstance(value, datetime):
            value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        values[name] = value
    return values


def changed(before: dict, after: dict) -> dict:
    """{field: [old, new]} for every field whose value differs."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def history_record(*, obj: models.Model, action: str, by, changes: dict | None = None) -> ChangeLog:
    return ChangeLog.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        action=action,
        changes=changes or {},
        by=by,
    )


def history_of(obj: models.Model):
    """The object's history, newest first, with the acting users loaded (one query)."""
    return ChangeLog.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).select_related("by", "content_type")
