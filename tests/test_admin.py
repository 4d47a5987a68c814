"""The admin site for superusers: configuration pages answer, the ledger stays read-only."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_superuser_configures_categories_and_deadlines_but_cannot_change_ledger_rows(client, side_a):
    admin = get_user_model().objects.create_superuser("root", "root@example.cn", "Correct-Horse-42")
    client.force_login(admin)
    assert client.get(reverse("admin:finance_category_changelist")).status_code == 200
    assert client.get(reverse("admin:inspections_categorydeadline_add")).status_code == 200
    entry_url = reverse("admin:finance_ledgerentry_change", args=[side_a.entry.pk])
    assert client.post(entry_url, {"description": "改"}).status_code == 403  # read-only: no change permission
    side_a.entry.refresh_from_db()
    assert side_a.entry.description != "改"
    assert client.get(reverse("admin:finance_ledgerentry_delete", args=[side_a.entry.pk])).status_code == 403


def test_assessment_records_are_read_only_in_the_admin(client, side_a):
    """R-1.9: a published score changes only through a recorded adjustment, never an edit."""
    admin = get_user_model().objects.create_superuser("root", "root@example.cn", "Correct-Horse-42")
    client.force_login(admin)
    for name in ("assessment", "pointevent", "result", "rubric", "pointrule", "rankingreport"):
        assert client.get(reverse(f"admin:assessments_{name}_changelist")).status_code == 200
    url = reverse("admin:assessments_assessment_change", args=[side_a.assessment.pk])
    assert client.post(url, {"status": "published"}).status_code == 403
    side_a.assessment.refresh_from_db()
    assert side_a.assessment.status == "draft"
