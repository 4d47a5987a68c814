"""Scoring reports (issue 6 §6; R-1.9, R-1.10): a job renders the PDF ranking of a street,
district or the city for a period, with CJK fonts embedded as subsets, tables and SVG charts;
its state shows on the page, a failure says why and can be retried, and reading and
downloading are scoped (DESIGN.md invariants 1, 6 and 7).

The job's service runs in-process here (report_render); tests/integration/test_ranking_report.py
runs it on a real worker."""

from __future__ import annotations

import hashlib
import re
import socket
import subprocess
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerError

from assessments import reports, services
from assessments.models import RankingReport, Result
from assessments.reports import report_render, report_request, report_retry
from assessments.services import competition_ranks, grade_for
from councils import pdf as portal_pdf
from councils.models import ChangeLog
from councils.roles import Level, Role
from tests.assessments.test_services import published
from tests.conftest import user_with_role
from tests.factories import MemberUnitFactory, StreetFactory, UserFactory

pytestmark = pytest.mark.django_db

D = Decimal
HOSTILE = '<img src="file:///etc/passwd">'


# --- Helpers ----------------------------------------------------------------------------------------


def rank(period, scores: dict) -> None:
    """Result rows for `scores` ({unit: final score}), graded and ranked the way results_compute
    does, for rankings too varied to score through the workflow."""
    Result.objects.filter(period=period).delete()
    by_street: dict = {}
    by_district: dict = {}
    for unit, score in scores.items():
        by_street.setdefault(unit.street_id, {})[unit.pk] = score
        by_district.setdefault(unit.street.district_id, {})[unit.pk] = score
    city = competition_ranks({u.pk: s for u, s in scores.items()})
    street_ranks = {k: v for group in by_street.values() for k, v in competition_ranks(group).items()}
    district_ranks = {k: v for group in by_district.values() for k, v in competition_ranks(group).items()}
    for unit, score in scores.items():
        grade = grade_for(score, period)
        Result.objects.create(
            period=period,
            unit=unit,
            street=unit.street,
            district=unit.street.district,
            assessments=1,
            rubric_score=score - 2,
            points=D("2"),
            points_counted=D("2"),
            final_score=score,
            grade=grade,
            civilized=grade == "excellent",
            rank_street=street_ranks[unit.pk],
            rank_district=district_ranks[unit.pk],
            rank_city=city[unit.pk],
        )


def units(street, names_scores: list[tuple[str, str]]) -> dict:
    return {MemberUnitFactory(street=street, name=name): D(score) for name, score in names_scores}


def rendered(report: RankingReport) -> RankingReport:
    report_render(report_id=report.pk)
    report.refresh_from_db()
    return report


def pdf_text(path: Path) -> str:
    """The PDF's text with line breaks removed, so a name wrapped in its table cell reads whole."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return out.replace("\n", "")


def pdf_fonts(path: Path) -> list[dict[str, str]]:
    """pdffonts' table: name, emb, sub (counted from the right: the type may hold spaces)."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    lines = out.splitlines()
    rows = lines[lines.index(next(line for line in lines if line.startswith("---"))) + 1 :]
    return [{"name": p[0], "emb": p[-5], "sub": p[-4]} for p in (line.split() for line in rows)]


@pytest.fixture
def city(role_users):
    return role_users[Role.CITY_OFFICE]


@pytest.fixture
def street_report(side_a, city) -> RankingReport:
    """Side A's street ranked through the workflow: its unit's assessment published, the results
    computed, and the street's report requested by the city office."""
    published(side_a.assessment, UserFactory())
    services.results_compute(period=side_a.period)
    return report_request(period=side_a.period, level=Level.STREET, street=side_a.street, by=city)


# --- The PDF ----------------------------------------------------------------------------------------


def test_the_report_names_the_units_with_their_scores_under_a_chinese_title(street_report, side_a):
    """R-1.9, R-1.10: the published assessment and the points make the unit's total; the PDF
    is stored once with its checksum and page count."""
    report = rendered(street_report)
    result = Result.objects.get(period=side_a.period, unit=side_a.unit)
    assert report.state == RankingReport.State.READY and report.error == ""
    assert report.started_at <= report.finished_at
    path = Path(report.file.path)
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}\.pdf", path.name)  # a random name (issue 14 §1)
    content = path.read_bytes()
    assert content.startswith(b"%PDF")
    assert report.checksum == hashlib.sha256(content).hexdigest()
    assert report.pages >= 1
    text = pdf_text(path)
    assert f"甲街道{side_a.period}成员单位共建工作考核排名" in text
    assert side_a.unit.name in text
    assert str(result.final_score) in text
    assert "1 / " in text  # page numbers in the margin


def test_the_pdf_embeds_only_subsets_of_cjk_fonts(street_report):
    """DESIGN.md invariant 7: every font is embedded as a subset (emb and sub "yes", a six-letter
    tag before the name) and every one is a CJK font, so the file reads the same anywhere."""
    report = rendered(street_report)
    fonts = pdf_fonts(Path(report.file.path))
    assert fonts
    for font in fonts:
        assert font["emb"] == "yes" and font["sub"] == "yes", font
        assert re.match(r"^[A-Z]{6}\+", font["name"]), font
        assert "CJK" in font["name"], font


def test_a_district_report_ranks_within_the_district_with_top_and_bottom_and_grades(side_a, city):
    """Ranks are the district ranks (equal totals share one); the top ten and the tail never
    repeat a unit; the grade distribution counts every unit once."""
    other_street = StreetFactory(district=side_a.district, name="甲二街道")
    scores = units(side_a.street, [(f"甲单位{n:02d}", str(91 - n * 3)) for n in range(1, 9)])
    scores |= units(other_street, [("并列甲", "92"), ("并列乙", "92"), ("末位单位", "40")])
    scores |= units(StreetFactory(name="他区街道"), [("他区单位", "99")])  # another district
    rank(side_a.period, scores)
    report = report_request(period=side_a.period, level=Level.DISTRICT, district=side_a.district, by=city)
    context = reports.ranking_context(report)
    rows = context["rows"]
    assert {r.unit for r in rows[:2]} == {"并列甲", "并列乙"} and rows[2].unit == "甲单位01"
    assert [r.rank for r in rows][:4] == [1, 1, 3, 4]
    assert "他区单位" not in [r.unit for r in rows]
    assert context["total"] == 11
    assert [r.unit for r in context["bottom"]] == ["末位单位"]
    assert not {r.unit for r in context["top"]} & {r.unit for r in context["bottom"]}
    counts = {d["grade"]: d["count"] for d in context["distribution"]}
    assert counts == {"excellent": 2, "good": 3, "pass": 5, "fail": 1}
    assert len(context["score_bars"]) == 10 and len(context["grade_bars"]) == 4
    report = rendered(report)
    text = pdf_text(Path(report.file.path))
    assert "甲区" in text and "末位单位" in text and "他区单位" not in text
    assert "并列甲" in text and "甲二街道" in text


def test_a_period_without_results_renders_an_empty_report(side_a, city):
    report = rendered(report_request(period=side_a.period, level=Level.CITY, by=city))
    assert report.state == RankingReport.State.READY
    assert "本期该范围尚无已公布的考核结果。" in pdf_text(Path(report.file.path))


def test_a_hostile_unit_name_is_printed_as_text_and_nothing_is_fetched(side_a, city, monkeypatch):
    """DESIGN.md invariant 7: a unit's name is text; the renderer asks for nothing but the
    portal's static files and data: URIs and opens no network connection."""
    rank(side_a.period, units(side_a.street, [(HOSTILE, "88"), ("正常单位", "91")]))
    requested: list[str] = []
    original = portal_pdf.PortalURLFetcher.fetch

    def recording(self, url, headers=None):
        requested.append(url)
        return original(self, url, headers)

    def no_network(*args, **kwargs):
        raise AssertionError("the PDF renderer opened a network connection")

    monkeypatch.setattr(portal_pdf.PortalURLFetcher, "fetch", recording)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    report = rendered(report_request(period=side_a.period, level=Level.STREET, street=side_a.street, by=city))
    assert report.state == RankingReport.State.READY, report.error
    text = pdf_text(Path(report.file.path))
    assert HOSTILE in text
    assert "root:" not in text
    assert all(url.startswith(("data:", portal_pdf.PORTAL_ORIGIN + "/static/")) for url in requested), (
        requested
    )


# --- The job's state --------------------------------------------------------------------------------


def test_a_failed_render_records_the_reason_shown_on_the_page_and_a_retry_renders(
    street_report, city, client, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("字体文件损坏")

    monkeypatch.setattr(reports, "render_pdf", broken)
    report = rendered(street_report)
    assert report.state == RankingReport.State.FAILED
    assert (
        "报告生成失败" in report.error and "RuntimeError" in report.error and "字体文件损坏" in report.error
    )
    assert not report.file
    client.force_login(city)
    page = client.get(report.get_absolute_url()).content.decode()
    assert "字体文件损坏" in page
    assert reverse("report_retry", args=[report.pk]) in page
    monkeypatch.undo()

    response = client.post(reverse("report_retry", args=[report.pk]))

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == RankingReport.State.QUEUED and report.error == ""
    assert ChangeLog.objects.filter(object_id=report.pk, action="retry", by=city).exists()
    assert rendered(report).state == RankingReport.State.READY


def test_only_a_failed_report_is_retried_and_only_by_post(street_report, city, client):
    report = rendered(street_report)
    with pytest.raises(ValidationError):
        report_retry(report=report, by=city)
    client.force_login(city)
    assert client.get(reverse("report_retry", args=[report.pk])).status_code == 405
    response = client.post(reverse("report_retry", args=[report.pk]), follow=True)
    assert "只有生成失败的报告才能重新生成。" in response.content.decode()


def test_a_ready_report_is_left_alone_and_a_second_run_replaces_the_one_file(street_report, monkeypatch):
    """DESIGN.md invariant 6: a repeated job does no harm; a redelivered one writes one file."""
    report = rendered(street_report)
    first = Path(report.file.path)

    def must_not_render(*args, **kwargs):
        raise AssertionError("a ready report was rendered again")

    with monkeypatch.context() as patched:
        patched.setattr(reports, "render_pdf", must_not_render)
        assert rendered(report).state == RankingReport.State.READY
    RankingReport.objects.filter(pk=report.pk).update(state=RankingReport.State.RUNNING)  # redelivered
    report = rendered(report)
    assert report.state == RankingReport.State.READY
    # The second run's file replaces the first's: one file per report, under a new random name.
    assert Path(report.file.path).is_file() and not first.exists()


def test_a_database_error_is_raised_for_the_retry_and_fails_the_report_on_the_last(
    street_report, monkeypatch
):
    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(reports, "render_pdf", database_gone)
    with pytest.raises(OperationalError):
        report_render(report_id=street_report.pk, last_attempt=False)
    street_report.refresh_from_db()
    assert street_report.state == RankingReport.State.RUNNING  # the retry renders it
    with pytest.raises(OperationalError):
        report_render(report_id=street_report.pk, last_attempt=True)
    street_report.refresh_from_db()
    assert street_report.state == RankingReport.State.FAILED
    assert "OperationalError" in street_report.error


def test_the_job_is_queued_once_the_request_commits(
    side_a, city, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        "assessments.tasks.ranking_report_render.apply_async", lambda args, **kw: sent.append((args, kw))
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = report_request(period=side_a.period, level=Level.CITY, by=city)
    assert sent == []
    for callback in callbacks:
        callback()
    assert sent == [([report.pk], {})]


def test_with_the_broker_down_the_request_fails_with_a_reason_not_an_error_page(
    side_a, city, client, monkeypatch, django_capture_on_commit_callbacks
):
    def unreachable(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("assessments.tasks.ranking_report_render.apply_async", unreachable)
    client.force_login(city)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report_create"), {"period": side_a.period.pk, "scope": "city"})
    assert response.status_code == 302
    report = RankingReport.objects.get(level=Level.CITY)
    assert report.state == RankingReport.State.FAILED
    assert report.error == "任务队列暂不可用，请稍后重试"
    assert "任务队列暂不可用，请稍后重试" in client.get(response.url).content.decode()


def test_a_second_request_while_one_is_pending_gets_the_pending_one(side_a, city, client):
    first = report_request(period=side_a.period, level=Level.STREET, street=side_a.street, by=city)
    again = report_request(period=side_a.period, level=Level.STREET, street=side_a.street, by=city)
    assert again.pk == first.pk and again.already_pending
    client.force_login(city)
    response = client.post(
        reverse("report_create"),
        {"period": side_a.period.pk, "scope": f"street:{side_a.street.pk}"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == first.get_absolute_url()
    assert "正在生成" in response.content.decode()
    rendered(first)
    assert (
        report_request(period=side_a.period, level=Level.STREET, street=side_a.street, by=city).pk != first.pk
    )


# --- The pages --------------------------------------------------------------------------------------


def test_the_page_polls_while_pending_and_stops_when_ready(street_report, city, client):
    client.force_login(city)
    status_url = reverse("report_status", args=[street_report.pk])
    page = client.get(street_report.get_absolute_url()).content.decode()
    assert f'hx-get="{status_url}"' in page and 'hx-trigger="every 2s"' in page
    assert "排队中" in page
    rendered(street_report)
    part = client.get(status_url).content.decode()
    assert "hx-trigger" not in part
    assert "已生成" in part and reverse("report_download", args=[street_report.pk]) in part
    assert street_report.checksum in part


def test_download_is_the_pdf_under_its_chinese_title(street_report, side_a, city, client):
    report = rendered(street_report)
    client.force_login(city)
    response = client.get(reverse("report_download", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == Path(report.file.path).read_bytes()
    title = f"甲街道{side_a.period}成员单位共建工作考核排名.pdf"
    assert f"filename*=UTF-8''{quote(title, safe='')}" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_report_without_a_file_has_no_download(side_a, city, client):
    """A ready report whose file is gone: the download answers 404, the page says so."""
    side_a.report.file.delete(save=True)
    client.force_login(city)
    assert client.get(reverse("report_download", args=[side_a.report.pk])).status_code == 404
    page = client.get(side_a.report.get_absolute_url()).content.decode()
    assert reverse("report_download", args=[side_a.report.pk]) not in page
    assert "报告文件已不在存储中" in page


def test_another_districts_office_gets_404_on_the_report(street_report, side_b, client):
    """R-6.1: side B's district office sees nothing of side A's report."""
    rendered(street_report)
    client.force_login(user_with_role(Role.DISTRICT_OFFICE, side_b))
    for name in ("report_detail", "report_status", "report_download"):
        assert client.get(reverse(name, args=[street_report.pk])).status_code == 404, name
    assert client.post(reverse("report_retry", args=[street_report.pk])).status_code == 404
    assert street_report.get_absolute_url() not in client.get(reverse("report_list")).content.decode()


def test_the_district_office_and_street_staff_of_side_a_read_and_download(street_report, role_users, client):
    rendered(street_report)
    for role in (Role.DISTRICT_OFFICE, Role.STREET_STAFF):
        client.force_login(role_users[role])
        assert client.get(reverse("report_download", args=[street_report.pk])).status_code == 200, role
        assert street_report.get_absolute_url() in client.get(reverse("report_list")).content.decode()


def test_other_roles_see_an_empty_list_and_may_not_request(street_report, role_users, client):
    client.force_login(role_users[Role.COMMUNITY_STAFF])
    page = client.get(reverse("report_list")).content.decode()
    assert street_report.get_absolute_url() not in page
    assert "您的范围内还没有排名报告。" in page
    assert reverse("report_create") not in page
    assert client.get(reverse("report_create")).status_code == 403
    assert client.get(street_report.get_absolute_url()).status_code == 404


def test_each_office_is_offered_only_the_scopes_it_may_choose(side_a, side_b, role_users, client):
    def offered(role) -> set[str]:
        client.force_login(role_users[role])
        return set(client.get(reverse("report_create")).context["form"].options)

    a, b = side_a, side_b
    assert offered(Role.CITY_OFFICE) == {
        "city",
        f"district:{a.district.pk}",
        f"district:{b.district.pk}",
        f"street:{a.street.pk}",
        f"street:{b.street.pk}",
    }
    assert offered(Role.DISTRICT_OFFICE) == {f"district:{a.district.pk}", f"street:{a.street.pk}"}
    assert offered(Role.STREET_STAFF) == {f"street:{a.street.pk}"}


def test_street_staff_cannot_request_a_city_or_another_streets_report(side_a, side_b, role_users, client):
    staff = role_users[Role.STREET_STAFF]
    client.force_login(staff)
    for scope in ("city", f"district:{side_a.district.pk}", f"street:{side_b.street.pk}"):
        response = client.post(reverse("report_create"), {"period": side_a.period.pk, "scope": scope})
        assert response.status_code == 200 and response.context["form"].errors["scope"], scope
    assert not RankingReport.objects.exclude(pk__in=[side_a.report.pk, side_b.report.pk]).exists()
    # The service refuses too, whatever a caller passes.
    with pytest.raises(ValidationError) as refused:
        report_request(period=side_a.period, level=Level.CITY, by=staff)
    assert "scope" in refused.value.message_dict
    with pytest.raises(ValidationError):
        report_request(period=side_a.period, level=Level.STREET, street=side_b.street, by=staff)
    with pytest.raises(ValidationError):
        report_request(period=side_a.period, level=Level.DISTRICT, district=side_a.district, by=staff)


def test_a_street_staff_request_is_for_its_own_street(side_a, side_b, role_users, client):
    client.force_login(role_users[Role.STREET_STAFF])
    response = client.post(
        reverse("report_create"), {"period": side_a.period.pk, "scope": f"street:{side_a.street.pk}"}
    )
    report = RankingReport.objects.exclude(pk__in=[side_a.report.pk, side_b.report.pk]).get()
    assert response.url == report.get_absolute_url()
    assert (report.level, report.district, report.street) == (Level.STREET, side_a.district, side_a.street)
    assert report.requested_by == role_users[Role.STREET_STAFF]


# --- Query counts -----------------------------------------------------------------------------------


def test_the_list_takes_a_fixed_number_of_queries(side_a, city, client, django_assert_num_queries):
    client.force_login(city)
    url = reverse("report_list")
    with django_assert_num_queries(5):  # the session comes from the cache
        assert client.get(url).status_code == 200
    for _ in range(8):
        rendered(report_request(period=side_a.period, level=Level.CITY, by=city))
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("failed", [False, True])
def test_the_report_page_takes_a_fixed_number_of_queries(
    street_report, side_a, city, client, django_assert_num_queries, monkeypatch, failed
):
    if failed:
        monkeypatch.setattr(reports, "render_pdf", lambda *a, **k: 1 / 0)
    rank(side_a.period, units(side_a.street, [(f"单位{n}", str(60 + n)) for n in range(30)]))
    report = rendered(street_report)
    client.force_login(city)
    for name in ("report_detail", "report_status"):
        with django_assert_num_queries(4 if failed else 3):  # the session comes from the cache
            assert client.get(reverse(name, args=[report.pk])).status_code == 200
