"""The demo city's patrols (issue 5): a season of rounds, findings in every state, rosters and
activities."""

import pytest

from councils.demo import load_demo_city
from inspections.demo import load_demo
from inspections.models import Activity, BuildingOfficer, Finding, FindingPhoto, Patrol

pytestmark = pytest.mark.django_db


def test_demo_patrols_have_findings_in_every_state_rosters_and_activities():
    load_demo_city()
    load_demo()
    assert set(Finding.objects.values_list("status", flat=True)) == set(Finding.Status.values)
    assert any(f.is_overdue for f in Finding.objects.all())
    assert FindingPhoto.objects.filter(stage="after").exists()
    first, last = Patrol.objects.order_by("started_at").first(), Patrol.objects.order_by("started_at").last()
    assert (last.started_at - first.started_at).days >= 70  # a season
    assert BuildingOfficer.objects.exists() and Activity.objects.exists()
    # vacancies are visible: not every building has all six posts filled
    from councils.models import Building

    assert any(b.officers.count() < 6 for b in Building.objects.all())
    count = Finding.objects.count()
    load_demo()
    assert Finding.objects.count() == count
