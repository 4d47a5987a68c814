"""The assessment workflow through its pages (R-1.9, R-1.10): community staff score with the
suggestions from the records (a departure needs a reason, shown on its row), submit; street staff
return with a comment, confirm, publish (then the scores are locked and the results computed) and
correct by recorded adjustments. Who may take each step, 404 across communities, drafts kept from
secretaries and unit contacts, the worklist's order and deadline, ranks shared by equal scores, and
query counts that do not grow with the data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import Adjustment, Assessment, Period, Result, Score
from councils.periods import today
from councils.roles import Role
from tests.conftest import build_side, user_with_role
from tests.factories import MembershipFactory, MemberUnitFactory

pytestmark = pytest.mark.django_db

S = Assessment.Status
D = Decimal


@pytest.fixture
def staff(side_a):
    """Community staff of side A: score and submit."""
    return user_with_role(Role.COMMUNITY_STAFF, side_a, first_name="社区小王")


@pytest.fixture
def street(side_a):
    """Street staff of side A: confirm, return, publish, correct."""
    return user_with_role(Role.STREET_STAFF, side_a, first_name="街道老李")


def url(name: str, assessment: Assessment) -> str:
    return reverse(name, args=[assessment.pk])


def form_rows(client, assessment: Assessment) -> list:
    response = client.get(url("assessment_score", assessment))
    assert response.status_code == 200
    return response.context["rows"]


def different_from(row) -> Decimal:
    """A valid score other than the row's suggestion."""
    return row.suggested - 1 if row.suggested >= 1 else row.suggested + 1


def entries(rows, overrides: dict | None = None) -> dict[str, str]:
    """The scoring form as a user fills it: every suggestion accepted (the maximum where the
    criterion is judged without one); `overrides` maps a criterion id to (points, reason)."""
    data = {"summary": "积极参与共建"}
    for row in rows:
        pk = row.criterion.pk
        points = row.suggested if row.suggested is not None else row.criterion.max_points
        reason = ""
        if overrides and pk in overrides:
            points, reason = overrides[pk]
        data.update({f"score_{pk}": str(points), f"note_{pk}": f"核实{pk}", f"reason_{pk}": reason})
    return data


def scored(assessment: Assessment, by) -> Assessment:
    """Score every criterion through the service (suggestion, or the maximum without one)."""
    items = {
        s.criterion_id: services.Entry(s.suggested if s.suggested is not None else s.criterion.max_points)
        for s in services.assessment_prefill(assessment=assessment)
    }
    return services.assessment_score(assessment=assessment, entries=items, by=by)


def moved_to(assessment: Assessment, status: str, by) -> Assessment:
    """Take an assessment through the services to `status` (draft → … → published)."""
    path = [S.SUBMITTED, S.CONFIRMED, S.PUBLISHED]
    if status == S.DRAFT:
        return assessment
    scored(assessment, by)
    steps = {
        S.SUBMITTED: services.assessment_submit,
        S.CONFIRMED: services.assessment_confirm,
        S.PUBLISHED: services.assessment_publish,
    }
    for step in path[: path.index(status) + 1]:
        assessment = steps[step](assessment=assessment, by=by)
    return assessment


# --- The whole workflow --------------------------------------------------------------------------


def test_an_assessment_goes_from_scoring_to_publication_and_correction_through_the_pages(
    client, side_a, staff, street, django_capture_on_commit_callbacks
):
    """R-1.9: community staff score each criterion (suggestion accepted, one departure with its
    reason) and submit; street staff return with a comment, the community resubmits, the street
    confirms and publishes; the published assessment is locked and its result computed (R-1.10);
    a correction needs a reason and changes the score and the result."""
    assessment = side_a.assessment
    client.force_login(staff)
    rows = form_rows(client, assessment)
    suggested = [r for r in rows if r.suggested is not None]
    assert suggested and all(r.basis for r in suggested)  # each suggestion says what it rests on
    changed = suggested[0]
    new_points = different_from(changed)
    data = entries(rows, {changed.criterion.pk: (new_points, "走访核实，实际表现更好")})
    response = client.post(url("assessment_score", assessment), data)
    assert response.status_code == 302 and response.url == assessment.get_absolute_url()
    saved = Score.objects.get(assessment=assessment, criterion=changed.criterion)
    assert (saved.points, saved.override_reason) == (new_points, "走访核实，实际表现更好")
    accepted = Score.objects.get(assessment=assessment, criterion=suggested[1].criterion)
    assert accepted.points == accepted.suggested and accepted.override_reason == ""
    assessment.refresh_from_db()
    total = sum(D(data[f"score_{r.criterion.pk}"]) for r in rows)
    assert (assessment.status, assessment.rubric_score) == (S.DRAFT, total)

    detail = client.get(assessment.get_absolute_url())
    assert detail.context["can_score"] and detail.context["can_submit"]
    assert not detail.context["can_confirm"] and not detail.context["can_publish"]
    assert "走访核实，实际表现更好" in detail.content.decode()

    assert client.post(url("assessment_submit", assessment)).status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == S.SUBMITTED

    # The street sends it back; a comment is required.
    client.force_login(street)
    detail = client.get(assessment.get_absolute_url())
    assert detail.context["can_confirm"] and detail.context["can_return"] and not detail.context["can_score"]
    response = client.post(url("assessment_return", assessment), {"comment": "  "})
    assert response.status_code == 200
    assert "请填写退回意见。" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == S.SUBMITTED
    client.post(url("assessment_return", assessment), {"comment": "志愿服务时长请补充佐证"})
    assessment.refresh_from_db()
    assert (assessment.status, assessment.return_comment) == (S.RETURNED, "志愿服务时长请补充佐证")

    # The community sees the comment, scores again and resubmits in one go.
    client.force_login(staff)
    assert "志愿服务时长请补充佐证" in client.get(url("assessment_score", assessment)).content.decode()
    response = client.post(url("assessment_score", assessment), {**data, "then": "submit"})
    assert response.url == url("assessment_submit", assessment)
    client.post(url("assessment_submit", assessment))
    assessment.refresh_from_db()
    assert assessment.status == S.SUBMITTED and assessment.return_comment == ""

    # The street confirms and publishes; publishing asks for an explicit confirmation first.
    client.force_login(street)
    client.post(url("assessment_confirm", assessment), {"note": "核对无误"})
    assessment.refresh_from_db()
    assert assessment.status == S.CONFIRMED
    response = client.post(url("assessment_publish", assessment), {})
    assert response.status_code == 200 and response.context["form"].errors
    assessment.refresh_from_db()
    assert assessment.status == S.CONFIRMED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("assessment_publish", assessment), {"confirm": "on"})
    assessment.refresh_from_db()
    assert assessment.status == S.PUBLISHED
    result = Result.objects.get(period=side_a.period, unit=side_a.unit)
    assert result.rubric_score == total
    assert result.final_score == total + result.points_counted

    # Published: the community can no longer change a score.
    client.force_login(staff)
    refused = dict(data, **{f"score_{changed.criterion.pk}": "0"})
    response = client.post(url("assessment_score", assessment), refused, follow=True)
    assert "不能修改评分" in response.content.decode()
    saved.refresh_from_db()
    assert saved.points == new_points
    assert not client.get(assessment.get_absolute_url()).context["can_score"]

    # A correction needs a reason; with one it changes the score and the result.
    client.force_login(street)
    response = client.post(url("assessment_adjust", assessment), {"delta": "-2", "reason": ""})
    assert response.status_code == 200
    assert "请填写更正理由。" in response.content.decode()
    assert not Adjustment.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("assessment_adjust", assessment), {"delta": "-2", "reason": "志愿时长重复计算"}
        )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.adjustment_total, assessment.score) == (D("-2.0"), total - 2)
    assert Result.objects.get(period=side_a.period, unit=side_a.unit).rubric_score == total - 2
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "志愿时长重复计算" in page
    events = list(assessment.events.values_list("to_status", flat=True))
    assert events == [S.SUBMITTED, S.RETURNED, S.SUBMITTED, S.CONFIRMED, S.PUBLISHED]


def test_a_departure_without_a_reason_is_shown_on_its_row_and_everything_typed_is_kept(client, side_a, staff):
    """R-1.9: a score other than the suggestion needs a reason; the error is on that criterion's
    row, every other row keeps what was typed, and nothing is saved."""
    assessment = side_a.assessment
    client.force_login(staff)
    rows = form_rows(client, assessment)
    changed = next(r for r in rows if r.suggested is not None)
    data = entries(rows, {changed.criterion.pk: (different_from(changed), "")})
    response = client.post(url("assessment_score", assessment), data)
    assert response.status_code == 200
    shown = {r.criterion.pk: r for r in response.context["rows"]}
    wrong = shown[changed.criterion.pk]
    assert wrong.reason_errors and "请说明理由" in wrong.reason_errors[0]
    assert [pk for pk, r in shown.items() if r.has_errors] == [changed.criterion.pk]
    for pk, row in shown.items():
        assert (row.value, row.note) == (data[f"score_{pk}"], data[f"note_{pk}"])
    html = response.content.decode()
    assert f'id="reason_{changed.criterion.pk}_error"' in html
    assert 'value="积极参与共建"' not in html and "积极参与共建" in html  # the summary is kept too
    assert not Score.objects.filter(assessment=assessment, points__isnull=False).exists()


def test_an_out_of_range_score_is_shown_on_its_row_and_htmx_gets_the_form_back(client, side_a, staff):
    """R-1.9: a score above the criterion's maximum is refused on its row; sent by htmx, the page
    answers with the form to swap in, and once right, with where to go."""
    assessment = side_a.assessment
    client.force_login(staff)
    rows = form_rows(client, assessment)
    row = rows[0]
    data = entries(rows, {row.criterion.pk: (row.criterion.max_points + 1, "超出")})
    response = client.post(url("assessment_score", assessment), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.context["rows"][0].score_errors
    assert 'id="score-form"' in response.content.decode()
    response = client.post(url("assessment_score", assessment), entries(rows), HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == assessment.get_absolute_url()


def test_submitting_an_incomplete_assessment_names_the_missing_criteria(client, side_a, staff):
    """R-1.9: every criterion is scored before the street sees it."""
    assessment = side_a.assessment
    client.force_login(staff)
    page = client.get(url("assessment_submit", assessment))
    assert page.context["missing"]
    response = client.post(url("assessment_submit", assessment))
    assert response.status_code == 200
    assert "尚未评分" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == S.DRAFT


# --- Who may take each step ------------------------------------------------------------------------

STEPS = {
    # step: (state before, form data, whose capability, state after)
    "assessment_score": (S.DRAFT, None, Role.COMMUNITY_STAFF, S.DRAFT),
    "assessment_submit": (S.DRAFT, {}, Role.COMMUNITY_STAFF, S.SUBMITTED),
    "assessment_confirm": (S.SUBMITTED, {"note": ""}, Role.STREET_STAFF, S.CONFIRMED),
    "assessment_return": (S.SUBMITTED, {"comment": "请补充"}, Role.STREET_STAFF, S.RETURNED),
    "assessment_publish": (S.CONFIRMED, {"confirm": "on"}, Role.STREET_STAFF, S.PUBLISHED),
    "assessment_adjust": (S.PUBLISHED, {"delta": "-1", "reason": "多记"}, Role.STREET_STAFF, S.PUBLISHED),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("step", list(STEPS))
def test_only_community_staff_score_and_submit_and_only_street_staff_confirm_return_publish_correct(
    client, side_a, step, role
):
    """R-1.9: the community scores and submits, the street confirms, returns, publishes and
    corrects; every other role, all of them on side A, is refused with 403 and nothing changes."""
    before, data, holder, after = STEPS[step]
    assessment = side_a.assessment
    if step == "assessment_submit":
        scored(assessment, user_with_role(Role.COMMUNITY_STAFF, side_a))
    moved_to(assessment, before, user_with_role(Role.STREET_STAFF, side_a))
    user = user_with_role(role, side_a)
    client.force_login(user)
    if data is None:  # the scoring form, filled by its rows
        rows = services.assessment_prefill(assessment=assessment)
        data = {
            f"score_{s.criterion_id}": str(s.suggested if s.suggested is not None else s.criterion.max_points)
            for s in rows
        }
    response = client.post(url(step, assessment), data)
    assessment.refresh_from_db()
    if role == holder:
        assert response.status_code == 302, response.content.decode()[:500]
        assert assessment.status == after
        if step == "assessment_score":
            assert assessment.drafted_by == user
        if step == "assessment_adjust":
            assert assessment.adjustment_total == D("-1.0")
    else:
        assert response.status_code == 403
        assert assessment.status == before
        assert assessment.adjustment_total == 0
        assert assessment.drafted_by != user


def test_community_staff_of_another_community_get_404_on_its_assessment_pages_and_steps(
    client, side_a, side_b
):
    """R-1.9 (issue 6 done-when): community staff of side B reach none of side A's assessment:
    its page, the scoring form, submitting, and its row in the worklist."""
    assessment = side_a.assessment
    other = user_with_role(Role.COMMUNITY_STAFF, side_b)
    client.force_login(other)
    for name in ("assessment_detail", "assessment_score", "assessment_submit"):
        assert client.get(url(name, assessment)).status_code == 404, name
    rows = {f"score_{s.criterion_id}": "1" for s in services.assessment_prefill(assessment=assessment)}
    assert client.post(url("assessment_score", assessment), rows).status_code == 404
    assert client.post(url("assessment_submit", assessment)).status_code == 404
    assessment.refresh_from_db()
    assert assessment.status == S.DRAFT and assessment.drafted_by is None
    listed = client.get(reverse("assessment_list")).context["page_obj"].object_list
    assert [a.pk for a in listed] == [side_b.assessment.pk]


def test_street_staff_of_another_street_get_404_and_bulk_actions_skip_what_they_do_not_reach(
    client, side_a, side_b
):
    """R-1.9: street staff act only within their street, one by one or in bulk."""
    assessment = moved_to(side_a.assessment, S.SUBMITTED, user_with_role(Role.COMMUNITY_STAFF, side_a))
    other = user_with_role(Role.STREET_STAFF, side_b)
    client.force_login(other)
    for name in ("assessment_confirm", "assessment_return", "assessment_publish", "assessment_adjust"):
        assert client.get(url(name, assessment)).status_code == 404, name
    assert client.post(url("assessment_confirm", assessment)).status_code == 404
    page = client.get(reverse("assessment_bulk"), {"action": "confirm", "ids": [assessment.pk]})
    assert page.status_code == 200 and page.context["eligible"] == []
    client.post(reverse("assessment_bulk"), {"action": "confirm", "ids": [assessment.pk]})
    assessment.refresh_from_db()
    assert assessment.status == S.SUBMITTED


# --- Worklist ------------------------------------------------------------------------------------


def more_units(side, n: int) -> list[Assessment]:
    """`n` more member units on the side's council, each with its draft assessment."""
    units = [
        MembershipFactory(council=side.council, unit=MemberUnitFactory(street=side.street)).unit
        for _ in range(n)
    ]
    period = Period.objects.get()
    services.period_sync(period=period)
    return list(Assessment.objects.filter(period=period, unit__in=units).order_by("unit__name"))


def test_the_worklist_puts_first_what_the_reader_acts_on_and_counts_by_status(client, side_a, staff, street):
    """R-1.9: community staff see their drafts and returned ones first, street staff what waits
    for confirmation; the counts by status head the list."""
    submitted, draft = more_units(side_a, 2)
    moved_to(submitted, S.SUBMITTED, staff)
    client.force_login(staff)
    response = client.get(reverse("assessment_list"))
    listed = list(response.context["page_obj"].object_list)
    assert listed[-1].pk == submitted.pk
    assert {a.status for a in listed[:2]} == {S.DRAFT}
    assert response.context["counts"]["total"] == 3
    assert (response.context["counts"][S.DRAFT], response.context["counts"][S.SUBMITTED]) == (2, 1)
    client.force_login(street)
    response = client.get(reverse("assessment_list"))
    assert response.context["page_obj"].object_list[0].pk == submitted.pk
    assert 'name="ids"' in response.content.decode()  # street staff may select rows for bulk steps
    only = client.get(reverse("assessment_list"), {"status": S.SUBMITTED}).context["page_obj"].object_list
    assert [a.pk for a in only] == [submitted.pk]
    found = client.get(reverse("assessment_list"), {"q": draft.unit.name}).context["page_obj"].object_list
    assert [a.pk for a in found] == [draft.pk]


@pytest.mark.dates
def test_the_worklist_shows_the_deadline_and_flags_drafts_left_after_it(client, side_a, staff):
    """R-1.9: the close date with the days left; once passed, drafts still unsubmitted stand out."""
    client.force_login(staff)
    # The city office set the close date 30 days ahead (only the count of days is read here).
    Period.objects.filter(pk=side_a.period.pk).update(closes_on=today() + timedelta(days=30))
    response = client.get(reverse("assessment_list"))
    assert response.context["deadline"].days_left == 30
    assert "还剩 30 天" in response.content.decode()
    # The city office moved the close date back (no page for that here).
    past = today() - timedelta(days=3)
    Period.objects.filter(pk=side_a.period.pk).update(
        opens_on=min(side_a.period.opens_on, past), closes_on=past
    )
    response = client.get(reverse("assessment_list"))
    html = response.content.decode()
    assert "已逾期 3 天" in html and "逾期未提交" in html


def test_street_staff_confirm_and_publish_the_selected_assessments_after_a_confirmation(
    client, side_a, staff, street, django_capture_on_commit_callbacks
):
    """R-1.9, R-1.10: bulk steps list what will change first; publishing needs the explicit
    confirmation; only assessments in the right state are touched."""
    first, second = more_units(side_a, 2)
    for assessment in (first, second):
        moved_to(assessment, S.SUBMITTED, staff)
    client.force_login(street)
    ids = [first.pk, second.pk, side_a.assessment.pk]  # side A's own is still a draft
    page = client.get(reverse("assessment_bulk"), {"action": "confirm", "ids": ids})
    assert {a.pk for a in page.context["eligible"]} == {first.pk, second.pk}
    assert page.context["skipped"] == 1
    client.post(reverse("assessment_bulk"), {"action": "confirm", "ids": ids})
    assert set(Assessment.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        S.CONFIRMED,
        S.DRAFT,
    }
    response = client.post(reverse("assessment_bulk"), {"action": "publish", "ids": ids})
    assert response.status_code == 200 and response.context["form"].errors
    assert not Assessment.objects.filter(status=S.PUBLISHED).exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("assessment_bulk"), {"action": "publish", "ids": ids, "confirm": "on"})
    assert Assessment.objects.filter(status=S.PUBLISHED).count() == 2
    assert Result.objects.filter(unit__in=[first.unit, second.unit]).count() == 2


# --- Score card, rankings --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.UNIT_CONTACT, Role.COUNCIL_SECRETARY])
def test_unit_contacts_and_secretaries_see_an_assessment_only_once_published(
    client, side_a, role, django_capture_on_commit_callbacks
):
    """R-1.9: drafts are internal; the unit's contact (and the council's secretary) read the
    unit's score card, and an assessment on it once it is published, with the result (R-1.10)."""
    reader = user_with_role(role, side_a)
    client.force_login(reader)
    card = reverse("unit_scorecard", args=[side_a.unit.pk])
    response = client.get(card)
    assert response.status_code == 200
    assert response.context["assessments"] == []
    assert client.get(side_a.assessment.get_absolute_url()).status_code == 404
    assert client.get(reverse("assessment_list")).context["counts"]["total"] == 0
    # Community staff see the same draft on the card.
    client.force_login(user_with_role(Role.COMMUNITY_STAFF, side_a))
    assert [a.pk for a in client.get(card).context["assessments"]] == [side_a.assessment.pk]

    with django_capture_on_commit_callbacks(execute=True):
        moved_to(side_a.assessment, S.PUBLISHED, user_with_role(Role.STREET_STAFF, side_a))
    client.force_login(reader)
    response = client.get(card)
    assert [a.pk for a in response.context["assessments"]] == [side_a.assessment.pk]
    assert [r.unit_id for r in response.context["results"]] == [side_a.unit.pk]
    assert response.context["chart_data"]["finals"] == [float(response.context["results"][0].final_score)]
    assert response.context["points_total"] == D("2.0")  # the side's manual event
    assert client.get(side_a.assessment.get_absolute_url()).status_code == 200


def test_a_unit_contact_gets_404_on_another_units_score_card(client, side_a, side_b):
    client.force_login(user_with_role(Role.UNIT_CONTACT, side_a))
    assert client.get(reverse("unit_scorecard", args=[side_b.unit.pk])).status_code == 404


def test_equal_scores_share_a_rank_on_the_rankings_page(
    client, side_a, side_b, staff, street, django_capture_on_commit_callbacks
):
    """R-1.10: units with the same final score share a rank, marked 并列, and the next rank skips
    (1, 2, 2 or 1, 1, 3); street staff read their street's ranking, the city office the city's."""
    first, second = more_units(side_a, 2)  # no records of their own: the same suggestions
    with django_capture_on_commit_callbacks(execute=True):
        for assessment in (first, second, side_a.assessment, side_b.assessment):
            moved_to(assessment, S.PUBLISHED, staff)
    results = {r.unit_id: r for r in Result.objects.all()}
    tied = (first.unit_id, second.unit_id)
    assert results[first.unit_id].final_score == results[second.unit_id].final_score
    assert results[side_a.unit.pk].final_score != results[first.unit_id].final_score
    # Side B's unit outscores them city-wide, so the street's ranks are not the city's.
    assert results[first.unit_id].rank_street != results[first.unit_id].rank_city

    client.force_login(street)
    response = client.get(reverse("assessment_rankings"))
    assert response.context["level"] == "street"  # the reader's own level
    shown = {r.unit_id: r for r in response.context["results"]}
    assert set(shown) == {first.unit_id, second.unit_id, side_a.unit.pk}
    assert [shown[u].rank for u in tied] == [results[first.unit_id].rank_street] * 2
    assert sorted(r.rank for r in shown.values()) in ([1, 2, 2], [1, 1, 3])
    assert all(shown[u].tied for u in tied) and not shown[side_a.unit.pk].tied
    html = response.content.decode()
    assert html.count("data-tied") == 2
    assert html.count(f"<span data-rank>{shown[first.unit_id].rank}</span>") == 2
    assert sum(response.context["chart_data"]["gradeCounts"]) == 3

    client.force_login(user_with_role(Role.CITY_OFFICE))
    city = client.get(reverse("assessment_rankings"))
    assert city.context["level"] == "city"
    ranks = {r.unit_id: r.rank for r in city.context["results"]}
    assert ranks == {u: results[u].rank_city for u in results}
    graded = client.get(reverse("assessment_rankings"), {"grade": results[first.unit_id].grade})
    assert set(tied) <= {r.unit_id for r in graded.context["results"]}


# --- Query counts --------------------------------------------------------------------------------


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(ctx.captured_queries)


def grow(side) -> None:
    """More of everything the pages show: units with assessments in every state, corrections,
    events, points and results."""
    staff = user_with_role(Role.COMMUNITY_STAFF, side)
    street = user_with_role(Role.STREET_STAFF, side)
    for assessment, status in zip(
        more_units(side, 4), [S.DRAFT, S.SUBMITTED, S.CONFIRMED, S.PUBLISHED], strict=True
    ):
        moved_to(assessment, status, staff)
    own = Assessment.objects.get(pk=side.assessment.pk)
    if own.status != S.PUBLISHED:
        own = moved_to(own, S.PUBLISHED, street)
    services.assessment_adjust(assessment=own, delta="-1", reason="更正", by=street)
    for n in range(3):
        services.point_record(
            unit=side.unit,
            council=side.council,
            points=1,
            reason=f"记分{n}",
            occurred_on=timezone.localdate(),
            by=street,
        )
    services.results_compute(period=Period.objects.get())


PAGES = [
    ("assessment_list", None, Role.COMMUNITY_STAFF),
    ("assessment_list", None, Role.STREET_STAFF),
    ("assessment_list", None, Role.UNIT_CONTACT),
    ("unit_scorecard", "unit", Role.UNIT_CONTACT),
    ("unit_scorecard", "unit", Role.STREET_STAFF),
    ("assessment_rankings", None, Role.STREET_STAFF),
    ("assessment_rankings", None, Role.CITY_OFFICE),
]


@pytest.mark.parametrize(("name", "obj", "role"), PAGES)
def test_query_count_does_not_grow_with_the_data(client, name, obj, role, django_assert_num_queries):
    """The worklist, an assessment, a score card and the rankings read a fixed number of queries."""
    side = build_side("甲")
    grow(side)  # one of each kind of row the page lists
    client.force_login(user_with_role(role, side))
    path = reverse(name, args=[getattr(side, obj).pk] if obj else [])
    small = queries(client, path)
    grow(side)
    build_side("乙")
    with django_assert_num_queries(small):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("role", [Role.COMMUNITY_STAFF, Role.STREET_STAFF])
def test_assessment_page_query_count_does_not_grow_with_its_history(
    client, side_a, role, django_assert_num_queries
):
    """One assessment's page reads a fixed number of queries however long its history and its
    list of corrections."""
    staff = user_with_role(Role.COMMUNITY_STAFF, side_a)
    street = user_with_role(Role.STREET_STAFF, side_a)
    assessment = moved_to(side_a.assessment, S.SUBMITTED, staff)
    services.assessment_return(assessment=assessment, comment="补充", by=street)
    client.force_login(user_with_role(role, side_a))
    path = assessment.get_absolute_url()
    small = queries(client, path)
    for step in (services.assessment_submit, services.assessment_confirm):
        step(assessment=assessment, by=street)
    services.assessment_return(assessment=assessment, comment="再补充", by=street)
    moved_to(assessment, S.PUBLISHED, staff)
    for n in (1, 2, 3):
        services.assessment_adjust(assessment=assessment, delta="-1", reason=f"更正{n}", by=street)
    assert assessment.events.count() > 2 and assessment.adjustments.count() == 3
    with django_assert_num_queries(small):
        assert client.get(path).status_code == 200
