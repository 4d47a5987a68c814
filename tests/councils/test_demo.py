"""The demo city (issue 2): modelled on the source document, deterministic, idempotent, and
each demo login lands on its own dashboard."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from councils.demo import demo_logins, load_demo_city
from councils.models import Community, Council, MemberUnit, Street

pytestmark = pytest.mark.django_db


def test_demo_city_has_the_places_and_units_of_the_source_document():
    load_demo_city()
    assert Street.objects.get(name="徐碧街道").district.name == "梅列区"
    assert Street.objects.get(name="陈大镇").get_kind_display() == "镇"
    for name in ("高岩社区", "崇宁社区"):
        council = Council.objects.get(community__name=name)
        assert council.chair and council.secretary_general
    gaoyan = Council.objects.get(community__name="高岩社区")
    seated = set(gaoyan.memberships.values_list("unit__name", flat=True))
    assert {"市质量技术监督局", "市中级人民法院"} <= seated
    for unit in MemberUnit.objects.all():
        unit.full_clean()  # every demo credit code has a right check character


def test_demo_city_loads_twice_to_the_same_rows(capsys, settings):
    settings.DEBUG = True
    call_command("load_demo")
    first = {m.__name__: m.objects.count() for m in (Street, Community, Council, MemberUnit)}
    ids = list(Council.objects.order_by("pk").values_list("pk", "name", "chair"))
    call_command("load_demo")
    assert {m.__name__: m.objects.count() for m in (Street, Community, Council, MemberUnit)} == first
    assert list(Council.objects.order_by("pk").values_list("pk", "name", "chair")) == ids
    assert "demo-2026" in capsys.readouterr().out


@pytest.mark.parametrize("login", demo_logins(), ids=lambda d: d.username)
def test_each_demo_login_lands_on_its_dashboard(client, settings, login):
    settings.DEBUG = True
    load_demo_city()
    response = client.post(reverse("login"), {"username": login.username, "password": settings.DEMO_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response.url)
    assert page.status_code == 200
    assert login.scope in page.content.decode()


def test_demo_logins_have_no_password_when_debug_is_off(client, settings):
    settings.DEBUG = False
    load_demo_city()
    response = client.post(reverse("login"), {"username": "city", "password": settings.DEMO_PASSWORD})
    assert response.status_code == 200
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.get(username="city").has_usable_password()


def test_demo_city_has_a_year_of_council_work():
    """Issue 3: a year of meetings (some councils behind), plans and tasks."""
    from councils.compliance import behind
    from councils.models import ComplianceFinding, Meeting, Plan, Resolution, Task
    from councils.periods import Quarter

    load_demo_city()
    assert Meeting.objects.filter(status=Meeting.Status.HELD).count() >= 13 * 4 - 2
    assert ComplianceFinding.objects.count() == 2  # two councils missed a past quarter
    assert behind(Council.objects.all(), Quarter.current()).exists()  # some are behind this quarter
    assert Resolution.objects.filter(outcome=Resolution.Outcome.UNQUORATE).exists()
    assert set(Plan.objects.values_list("status", flat=True)) >= {"draft", "soliciting", "in_force"}
    statuses = set(Task.objects.values_list("status", flat=True))
    assert {"open", "done"} <= statuses
    assert any(t.is_overdue for t in Task.objects.filter(status="open"))
