"""Bulletin objects for the shared sides (R-6.3, R-5.2): a compiled, ready district bulletin with a
draft file, and a model case nominated for the side's community. Built through the services; the
PDF is a stand-in so the fixtures stay fast (the rendering itself is tested on its own)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments import bulletins
from assessments import services as assessment_services
from assessments.models import Assessment, Half, Period, half_bounds, half_of
from assessments.models_bulletins import Bulletin, ModelCase, Span
from councils import periods
from councils import services as council_services
from councils.models import Council, Meeting, Membership, MemberUnit
from councils.periods import Quarter
from councils.roles import Role
from councils.services.meetings import Seat
from finance.models import Violation
from tests.factories import (
    CommunityFactory,
    CouncilFactory,
    MembershipFactory,
    MemberUnitFactory,
    RoleAssignmentFactory,
    UserFactory,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def stand_in_pdf(bulletin: Bulletin) -> bytes:
    return PDF_BYTES


def office_of(side) -> object:
    """A district office user of the side's district (one per district, made on first use)."""
    username = f"bulletin-office-{side.district.pk}"
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = UserFactory(username=username, first_name=f"{side.district.name}文明办")
        RoleAssignmentFactory(user=user, role=Role.DISTRICT_OFFICE, district=side.district)
    return user


def build_bulletin(side, *, quarter: Quarter | None = None, by=None) -> Bulletin:
    """A ready bulletin of the side's district for last quarter, compiled from the data, with a
    draft file to download. Recorded as done by the side's secretary unless `by` is given, so the
    shared fixtures add no user."""
    quarter = quarter or Quarter.current().previous()
    by = by or side.secretary
    bulletin = bulletins.bulletin_create(
        district=side.district, span=Span.QUARTER, year=quarter.year, part=quarter.number, by=by
    )
    bulletins.bulletin_generate(bulletin=bulletin, by=by, recompile=True)
    bulletins.bulletin_run(bulletin_id=bulletin.pk, render=stand_in_pdf)
    bulletin.refresh_from_db()
    assert bulletin.state == Bulletin.State.READY, bulletin.error
    return bulletin


def build_model_case(side, *, by=None) -> ModelCase:
    return bulletins.model_case_nominate(
        community=side.community,
        unit=side.unit,
        title=f"{side.community.name}楼道微治理",
        story="成员单位认领楼道，居民议事会每月评比。",
        occurred_on=timezone.localdate(),
        by=by or side.secretary,
    )


# --- A half-year of data to compile -------------------------------------------------------------


@dataclass
class HalfYear:
    """Last half-year in side A's district: a model council that met every quarter, a council that
    missed the second quarter, side A's council (met, but an overdue fund violation), a unit
    graded 优秀, one graded 不合格, side A's unit not assessed, a community that fixed all its
    findings, side A's community with an overdue finding, and a model case."""

    year: int
    half: int
    start: date
    end: date
    model: Council
    behind: Council
    star: MemberUnit
    weak: MemberUnit
    case: ModelCase


def last_half() -> tuple[int, int]:
    year, half = half_of(periods.today())
    return (year, Half.FIRST) if half == Half.SECOND else (year - 1, Half.SECOND)


def meet(council: Council, membership: Membership, quarter: Quarter, by) -> None:
    council_services.meeting_record(
        council=council,
        held_at=datetime.combine(quarter.first_day + timedelta(days=10), time(9), tzinfo=periods.SHANGHAI),
        kind=Meeting.Kind.REGULAR,
        place="社区会议室",
        seats=[Seat(membership.pk, present=True)],
        minutes="会议纪要",
        by=by,
    )


def publish_with_score(assessment: Assessment, share: Decimal, by) -> None:
    """Score every criterion at `share` of its maximum, then submit, confirm and publish."""
    entries = {
        score.criterion_id: assessment_services.Entry(
            (score.criterion.max_points * share).quantize(Decimal("0.1"), ROUND_DOWN),
            "依据",
            "按实际表现评分",
        )
        for score in assessment_services.assessment_prefill(assessment=assessment)
    }
    assessment_services.assessment_score(assessment=assessment, entries=entries, by=by)
    assessment_services.assessment_submit(assessment=assessment, by=by)
    assessment_services.assessment_confirm(assessment=assessment, by=by)
    assessment_services.assessment_publish(assessment=assessment, by=by)


def build_half_year(side, *, model_name: str = "模范社区", behind_name: str = "掉队社区") -> HalfYear:
    from inspections import services as patrols
    from inspections.models import Category, Finding

    year, half = last_half()
    start, end = half_bounds(year, half)
    first, second = Quarter.of(start), Quarter.of(end)
    by, office = side.secretary, office_of(side)

    model = CouncilFactory(community=CommunityFactory(street=side.street, name=model_name))
    star = MemberUnitFactory(street=side.street, name=f"{model_name}星级单位")
    model_seat = MembershipFactory(unit=star, council=model)
    behind = CouncilFactory(community=CommunityFactory(street=side.street, name=behind_name))
    weak = MemberUnitFactory(street=side.street, name=f"{behind_name}后进单位")
    behind_seat = MembershipFactory(unit=weak, council=behind)
    for quarter in (first, second):
        meet(model, model_seat, quarter, by)
        meet(side.council, side.membership, quarter, by)
    meet(behind, behind_seat, first, by)

    # The fixture's violation is still open (rectifying); its deadline has passed.
    Violation.objects.filter(pk=side.violation.pk).update(deadline=periods.today() - timedelta(days=3))

    period = Period.objects.filter(year=year, half=half).first() or assessment_services.period_open(
        year=year,
        half=half,
        opens_on=start,
        closes_on=min(end + timedelta(days=5), periods.today() - timedelta(days=1)),
        by=None,
    )
    assessment_services.period_sync(period=period)
    publish_with_score(Assessment.objects.get(period=period, unit=star), Decimal("1"), by)
    publish_with_score(Assessment.objects.get(period=period, unit=weak), Decimal("0.3"), by)
    assessment_services.results_compute(period=period)

    reported = datetime.combine(start + timedelta(days=20), time(10), tzinfo=periods.SHANGHAI)
    for n in range(2):
        finding = patrols.finding_report(
            community=model.community,
            category=Category.STALLS,
            address=f"{n}号路口",
            description="占道经营",
            by=by,
        )
        patrols.finding_transition(finding=finding, to=Finding.Status.DISSUADED, by=by)
        Finding.objects.filter(pk=finding.pk).update(reported_at=reported)
    if Finding.objects.get(pk=side.finding.pk).status == Finding.Status.REPORTED:
        patrols.finding_transition(finding=side.finding, to=Finding.Status.ORDERED, by=by)
    Finding.objects.filter(pk=side.finding.pk).update(deadline=periods.today() - timedelta(days=2))

    case = bulletins.model_case_nominate(
        community=model.community,
        unit=star,
        title=f"{model_name}楼道认领",
        story="成员单位认领楼道，每月评比。",
        occurred_on=start + timedelta(days=30),
        by=office,
    )
    return HalfYear(year, half, start, end, model, behind, star, weak, case)


# --- Reading PDFs -----------------------------------------------------------------------------------


def pdf_text(content: bytes, tmp_path: Path, name: str = "bulletin.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def pdf_fonts(content: bytes, tmp_path: Path) -> list[dict[str, str]]:
    """pdffonts' table: name, emb, sub (counted from the right: the type may hold spaces)."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    lines = out.splitlines()
    rows = lines[lines.index(next(line for line in lines if line.startswith("---"))) + 1 :]
    return [{"name": line.split()[0], "emb": line.split()[-5], "sub": line.split()[-4]} for line in rows]
