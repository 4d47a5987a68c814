"""Results pages and the export (R-6.2, R-6.1): rates with sample size and interval, lowest
communities named only with enough answers, every page within the user's scope, fixed query
counts, and the anonymised .xlsx for the city office."""

import io
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from councils.periods import today
from councils.roles import Role
from surveys import services
from surveys.models import Question, Rate, Response, Round
from tests.conftest import user_with_role
from tests.factories import CommunityFactory

from .helpers import answer, answer_many

pytestmark = pytest.mark.django_db


@pytest.fixture
def round(side_a, side_b):
    Response.objects.all().delete()
    day = today()
    return Round.current() or services.round_create(
        name="本轮居民意见调查", opens_on=day - timedelta(days=2), closes_on=day + timedelta(days=20), by=None
    )


def section(page: str, table_id: str) -> str:
    start = page.index(f'id="{table_id}"')
    return page[start : page.index("</table>", start)]


def test_city_page_shows_each_rate_with_sample_and_interval_and_names_only_large_samples(
    client, round, side_a, side_b, role_users
):
    """R-6.2: community A (3 of 4 satisfied) is named among the lowest; community B (0 of 2) has
    fewer answers than the round's minimum (3 here) and is not named, only counted."""
    Round.objects.filter(pk=round.pk).update(min_sample=3)
    answer_many(round, side_a.community, satisfied=3, unsatisfied=1)
    answer_many(round, side_b.community, satisfied=0, unsatisfied=2)
    client.force_login(role_users[Role.CITY_OFFICE])
    page = client.get(reverse("survey_results")).content.decode()

    # City: satisfaction 3/6 = 50.0%, Wilson [18.8%, 81.2%], sample 6.
    cards = page[page.index('id="rate-cards"') : page.index('id="chart-rates"')]
    assert "满意率" in cards and "50.0%" in cards and "18.8%–81.2%" in cards and "样本 6 份" in cards
    rows = section(page, "rows-table")
    assert side_a.district.name in rows and side_b.district.name in rows
    lowest = section(page, "lowest-table")
    assert side_a.community.name in lowest and "75.0%" in lowest
    assert side_b.community.name not in lowest
    assert "另有 1 个社区答卷少于 3 份" in page
    assert 'id="survey-data"' in page and "echarts.min.js" in page


@pytest.mark.dates
def test_trend_runs_across_rounds(client, round, side_a, role_users):
    Round.objects.filter(pk=round.pk).update(
        opens_on=today() - timedelta(days=40), closes_on=today() - timedelta(days=20)
    )
    round.refresh_from_db()
    # Answers of the first round, recorded while it was open.
    for satisfied in (True, False):
        services.response_submit(
            round=round,
            community=side_a.community,
            answers={
                q.pk: (0 if satisfied or q.rate != Rate.SATISFACTION else 2)
                for q in round.questionnaire.questions.all()
                if q.rate
            },
            device_token=f"old-{satisfied}",
            on=round.opens_on,
        )
    second = services.round_create(
        name="第二轮", opens_on=today() - timedelta(days=5), closes_on=today(), by=None
    )
    answer_many(second, side_a.community, satisfied=3, unsatisfied=1)
    client.force_login(role_users[Role.COMMUNITY_STAFF])
    response = client.get(reverse("survey_results_community", args=[side_a.community.pk]))
    data = response.context["chart_data"]
    assert data["rounds"][-2:] == [round.name, "第二轮"]
    satisfaction = next(line for line in data["trend"] if line["name"] == "满意率")
    assert satisfaction["values"][-2:] == [50.0, 75.0]
    trend = section(response.content.decode(), "trend-table")
    assert "50.0%" in trend and "75.0%" in trend
    # The earlier round can be chosen.
    older = client.get(reverse("survey_results_community", args=[side_a.community.pk]), {"round": round.pk})
    assert older.context["round"] == round


def test_community_staff_of_side_b_get_404_on_side_a_community_results(client, round, side_a, side_b):
    """R-6.1: results follow the scope; another community's page does not exist for them."""
    staff_b = user_with_role(Role.COMMUNITY_STAFF, side_b)
    client.force_login(staff_b)
    assert client.get(reverse("survey_results_community", args=[side_a.community.pk])).status_code == 404
    assert client.get(reverse("survey_results_community", args=[side_b.community.pk])).status_code == 200
    assert client.get(reverse("survey_results_street", args=[side_a.street.pk])).status_code == 404
    assert client.get(reverse("survey_results_district", args=[side_a.district.pk])).status_code == 404
    assert client.get(reverse("survey_poster", args=[side_a.community.pk])).status_code == 404


def test_the_overview_shows_only_the_users_scope(client, round, side_a, side_b):
    answer_many(round, side_a.community, satisfied=2, unsatisfied=0)
    answer_many(round, side_b.community, satisfied=0, unsatisfied=5)
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    response = client.get(reverse("survey_results"))
    page = response.content.decode()
    assert response.context["results"].total.satisfaction.n == 2
    assert side_a.community.name in section(page, "rows-table")
    assert side_b.community.name not in page


def test_the_community_page_shows_optional_answers_and_suggestions(client, round, side_a, role_users):
    questions = list(round.questionnaire.questions.all())
    choice = next(q for q in questions if q.kind == Question.Kind.CHOICE)
    text = next(q for q in questions if q.kind == Question.Kind.TEXT)
    answers = {q.pk: 0 for q in questions if q.rate} | {choice.pk: 1, text.pk: "楼道灯坏了，电话13700001111"}
    services.response_submit(round=round, community=side_a.community, answers=answers, device_token="x")
    client.force_login(role_users[Role.COMMUNITY_STAFF])
    page = client.get(reverse("survey_results_community", args=[side_a.community.pk])).content.decode()
    assert choice.text in page and choice.options[1] in page
    suggestions = page[page.index('id="suggestions"') :]
    assert "楼道灯坏了，电话***" in suggestions and "13700001111" not in page


def test_a_page_without_any_round_says_so(client, side_a, role_users):
    Response.objects.all().delete()
    Round.objects.all().delete()
    client.force_login(role_users[Role.CITY_OFFICE])
    response = client.get(reverse("survey_results"))
    assert response.status_code == 200 and "还没有已开始的调查轮次" in response.content.decode()


# --- Export ------------------------------------------------------------------------------------------


def test_the_city_office_exports_anonymised_answers(client, round, side_a, side_b, role_users):
    """R-6.2: one line per response: area, day, answers; no device or address hash, no time."""
    text = next(q for q in round.questionnaire.questions.all() if q.kind == Question.Kind.TEXT)
    answers = {q.pk: 0 for q in round.questionnaire.questions.all() if q.rate} | {
        text.pk: "我的身份证350402198001011234"
    }
    services.response_submit(
        round=round, community=side_a.community, answers=answers, device_token="a", address="192.0.2.77"
    )
    answer(round, side_b.community, choices={Rate.SATISFACTION: 4})
    client.force_login(role_users[Role.CITY_OFFICE])
    response = client.get(reverse("survey_export", args=[round.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    assert header[:5] == ["序号", "区", "街道/镇", "社区", "提交日期"]
    assert len(rows) == 3
    body = {row[3]: row for row in rows[1:]}
    assert body[side_a.community.name][header.index(f"{text.order}. {text.text}")] == "我的身份证***"
    satisfaction = next(q for q in round.questionnaire.questions.all() if q.rate == Rate.SATISFACTION)
    assert (
        body[side_b.community.name][header.index(f"{satisfaction.order}. {satisfaction.text}")] == "很不满意"
    )
    flat = " ".join(str(v) for row in rows for v in row)
    stored = Response.objects.values_list("device_hash", "address_hash")
    assert not any(h and h in flat for pair in stored for h in pair)
    assert "192.0.2.77" not in flat
    # The day only: the time of day would help tell residents apart.
    days = {timezone.localdate(at) for at in Response.objects.values_list("submitted_at", flat=True)}
    assert all(row[4].date() in days and row[4].time() == time(0) for row in rows[1:])
    assert [row[5] for row in rows[1:]] == ["已计入", "已计入"]  # none of them held (issue 14 §6)


def test_only_the_city_office_exports(client, round, role_users):
    client.force_login(role_users[Role.DISTRICT_OFFICE])
    assert client.get(reverse("survey_export", args=[round.pk])).status_code == 403


# --- Query counts ------------------------------------------------------------------------------------

PAGES = [
    ("survey_round_list", None, Role.CITY_OFFICE),
    ("survey_round_detail", "round", Role.STREET_STAFF),
    ("questionnaire_list", None, Role.CITY_OFFICE),
    ("questionnaire_detail", "questionnaire", Role.CITY_OFFICE),
    ("survey_poster_list", None, Role.STREET_STAFF),
    ("survey_results", None, Role.CITY_OFFICE),
    ("survey_results", None, Role.DISTRICT_OFFICE),
    ("survey_results_district", "district", Role.CITY_OFFICE),
    ("survey_results_street", "street", Role.STREET_STAFF),
    ("survey_results_community", "community", Role.COMMUNITY_STAFF),
]


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def grow(round, side) -> None:
    """More communities, answers, rounds and versions, all within the side's scope."""
    for n in range(3):
        community = CommunityFactory(street=side.street, name=f"新增{n}社区")
        answer_many(round, community, satisfied=2 + n, unsatisfied=1)
    answer_many(round, side.community, satisfied=4, unsatisfied=2)
    services.questionnaire_revise(source=round.questionnaire, note="又一版", by=None)
    services.round_create(
        name="下一轮",
        opens_on=round.closes_on + timedelta(days=1),
        closes_on=round.closes_on + timedelta(days=30),
        by=None,
    )


@pytest.mark.parametrize(("name", "obj", "role"), PAGES)
def test_query_count_does_not_grow_with_the_data(
    client, round, side_a, name, obj, role, django_assert_num_queries
):
    answer(round, side_a.community)
    client.force_login(user_with_role(role, side_a))
    target = {"round": round, "questionnaire": round.questionnaire}.get(obj) or (
        getattr(side_a, obj) if obj else None
    )
    url = reverse(name, args=[target.pk] if target else [])
    small = queries(client, url)
    grow(round, side_a)
    with django_assert_num_queries(small):
        client.get(url)
