"""Shared fixtures: a small city with two sides, A and B, and one user per role on side A.
Everything on side B is outside every role's scope except the city office's."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from councils import services
from councils.models import (
    Building,
    Community,
    ContactLog,
    Council,
    District,
    Meeting,
    MeetingAttachment,
    Membership,
    MemberUnit,
    Plan,
    PlanOpinion,
    Resolution,
    Street,
    Task,
)
from councils.periods import HalfYear, Quarter
from councils.roles import Role
from councils.services.meetings import Seat
from tests.clock import earlier_this_quarter
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    CouncilFactory,
    DistrictFactory,
    MembershipFactory,
    MemberUnitFactory,
    RoleAssignmentFactory,
    StreetFactory,
    UserFactory,
)


@dataclass
class Side:
    district: District
    street: Street
    community: Community
    building: Building
    council: Council
    unit: MemberUnit
    membership: Membership
    # Council work (issue 3), recorded through the services by the council's secretary.
    secretary: object = None
    meeting: Meeting | None = None
    resolution: Resolution | None = None
    plan: Plan | None = None
    opinion: PlanOpinion | None = None
    task: Task | None = None
    contact: ContactLog | None = None
    attachment: MeetingAttachment | None = None
    # The fund (issue 4): a contribution, an approved budget, a pledge, and spending without a
    # resolution, which is flagged at once.
    fund: object = None
    # Patrols (issue 5): a round with a finding and its before photo, an activity, a building head.
    patrol: object = None
    finding: object = None
    photo: object = None
    activity: object = None
    officer: object = None
    entry: object = None
    expenditure: object = None
    violation: object = None
    budget: object = None
    pledge: object = None
    # Assessment (issue 6): the half-year's period (side A only: periods belong to the city),
    # side A's unit's draft assessment on its council, a manual points event, a street report.
    period: object = None
    rubric: object = None
    criterion: object = None
    assessment: object = None
    point_event: object = None
    report: object = None
    # Bulletins (issue 7): side A's district bulletin, ready, with a draft file; a model case.
    bulletin: object = None
    model_case: object = None
    # Surveys (issue 9): the open round (side A only: rounds belong to the city), a draft
    # questionnaire version and one of its questions; each side's community has one answer.
    survey_round: object = None
    survey_questionnaire: object = None
    survey_question: object = None
    survey_link: object = None  # the poster's signed link of the side's community (issue 14 §6)


def pdf_bytes(*, author: str = "", xmp: bytes = b"") -> bytes:
    """A real one-page PDF (uploads are opened to strip their metadata); with `author`, carrying
    it in the document info, with `xmp`, carrying that XMP packet as the document's metadata."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if author:
        writer.add_metadata({"/Author": author})
    if xmp:
        writer.xmp_metadata = xmp
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF_BYTES = pdf_bytes()


def pdf_pages(data: bytes) -> int:
    """How many pages a downloaded PDF has: it opens, or this raises."""
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data), strict=True).pages)


def build_side(label: str) -> Side:
    district = DistrictFactory(name=f"{label}区")
    street = StreetFactory(district=district, name=f"{label}街道")
    community = CommunityFactory(street=street, name=f"{label}社区")
    building = BuildingFactory(community=community, name=f"{label}1号楼")
    council = CouncilFactory(community=community)
    unit = MemberUnitFactory(street=street, name=f"{label}单位")
    membership = MembershipFactory(unit=unit, council=council)
    side = Side(district, street, community, building, council, unit, membership)
    side.secretary = UserFactory(username=f"{label}-secretary-{council.pk}")
    by = side.secretary
    services.membership_update(
        membership=membership,
        position=Membership.Position.CHAIR,
        representative="代表",
        buildings=[building],
        by=by,
    )
    side.meeting = services.meeting_record(
        council=council,
        held_at=earlier_this_quarter(timedelta(days=1)),
        kind=Meeting.Kind.REGULAR,
        place="社区会议室",
        seats=[Seat(membership.pk, present=True, representative="代表")],
        agenda=["年度计划"],
        minutes="会议纪要",
        by=by,
    )
    side.resolution = services.resolution_record(
        meeting=side.meeting,
        title="部署任务",
        text="决议内容",
        votes_for=1,
        subject=Resolution.Subject.TASK,
        by=by,
    )
    side.plan = services.plan_create(
        council=council,
        kind=Plan.Kind.ANNUAL,
        year=timezone.localdate().year,
        title=f"{label}年度计划",
        content="计划内容",
        by=by,
    )
    side.plan = services.plan_transition(plan=side.plan, to=Plan.Status.SOLICITING, by=by)
    side.opinion = services.opinion_record(
        plan=side.plan,
        source=PlanOpinion.Source.RESIDENT,
        source_name="居民",
        content="多办活动",
        received_on=timezone.localdate(),
        by=by,
    )
    side.task = services.task_create(
        resolution=side.resolution,
        title=f"{label}任务",
        assignee=unit,
        due_on=Quarter.current().last_day,
        by=by,
    )
    side.contact = services.contact_log_record(
        membership=membership,
        contacted_on=timezone.localdate(),
        building=building,
        residents_met=3,
        matters="楼道堆物",
        by=by,
    )
    side.attachment = services.attachment_add(
        meeting=side.meeting, upload=SimpleUploadedFile("纪要.pdf", PDF_BYTES, "application/pdf"), by=by
    )
    build_fund(side)
    build_patrols(side)
    build_assessments(side)
    from tests.assessments.bulletin_fixtures import build_bulletin, build_model_case
    from tests.surveys.fixtures import build_surveys

    side.model_case = build_model_case(side)
    side.bulletin = build_bulletin(side) if label == "甲" else None
    build_surveys(side)
    return side


def build_assessments(side: Side) -> None:
    """The current half-year's period (opened once, with the default rubric), the unit's draft
    assessment, a manual points event and a ready street ranking report (R-1.9, R-1.10)."""
    from assessments import services as assessment_services
    from assessments.models import Assessment, Period, RankingReport, half_of
    from councils.roles import Level

    today = timezone.localdate()
    year, half = half_of(today)
    period = Period.objects.filter(year=year, half=half).first()
    if period is None:
        # Open over the whole half-year, so it is open whatever the day (issue 14 §0).
        span = HalfYear(year, half)
        period = assessment_services.period_open(
            year=year,
            half=half,
            opens_on=span.first_day,
            closes_on=span.last_day,
            by=None,
        )
    assessment_services.period_sync(period=period)
    if side.community.name.startswith("甲"):
        side.period, side.rubric = period, period.rubric
        side.criterion = period.rubric.criteria.order_by("order", "pk").first()
    side.assessment = Assessment.objects.get(period=period, council=side.council, unit=side.unit)
    side.point_event = assessment_services.point_record(
        unit=side.unit,
        council=side.council,
        points=2,
        reason="协助处置突发事件",
        occurred_on=today,
        by=side.secretary,
    )
    side.report = RankingReport.objects.create(
        period=period,
        level=Level.STREET,
        district=side.district,
        street=side.street,
        state=RankingReport.State.READY,
        requested_by=side.secretary,
    )
    side.report.file.save("ranking.pdf", ContentFile(PDF_BYTES))


def jpeg_bytes(size=(64, 48), exif_gps: bool = False) -> bytes:
    """A small real JPEG; with `exif_gps`, carrying a GPS position in its EXIF."""
    import io

    from PIL import Image

    image = Image.new("RGB", size, (200, 60, 40))
    out = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "Camera Maker"  # Make
        gps = {1: "N", 2: (26.0, 15.0, 30.0), 3: "E", 4: (117.0, 38.0, 10.0)}
        exif[0x8825] = gps  # GPSInfo
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def build_patrols(side: Side) -> None:
    from inspections import services as patrols
    from inspections.models import Activity, Category

    patroller = UserFactory(username=f"{side.community.name}-patroller-{side.community.pk}")
    side.patrol = patrols.patrol_record(
        community=side.community,
        started_at=earlier_this_quarter(timedelta(hours=2)),
        route="沿街巡查",
        by=patroller,
    )
    side.finding = patrols.finding_report(
        community=side.community,
        patrol=side.patrol,
        category=Category.PILING,
        building=side.building,
        description="楼道堆放杂物",
        photos=[SimpleUploadedFile("现场.jpg", jpeg_bytes())],
        by=patroller,
    )
    side.photo = side.finding.photos.get()
    side.activity = patrols.activity_record(
        community=side.community,
        kind=Activity.Kind.WARMTH_VISIT,
        title="走访困难老人",
        held_on=timezone.localdate(),
        organiser=side.unit,
        participants=6,
        volunteer_hours=Decimal("12"),
        people_served=10,
        by=side.secretary,
    )
    side.officer = patrols.officer_set(
        building=side.building,
        post="head",
        name="楼栋长张",
        phone="13900001111",
        since=timezone.localdate(),
        by=side.secretary,
    )


def build_fund(side: Side) -> None:
    from finance import services as finance
    from finance.models import Category

    by, council, today = side.secretary, side.council, timezone.localdate()
    finance.categories_ensure()  # a transactional test elsewhere may have emptied the table
    category = Category.objects.get(name="环境整治")
    side.entry = finance.entry_post(
        council=council,
        kind="contribution",
        amount=Decimal("500.00"),
        entry_date=today,
        unit=side.unit,
        receipt=SimpleUploadedFile("收据.pdf", PDF_BYTES),
        by=by,
    )
    side.budget = finance.budget_save(
        council=council, year=today.year, lines={category: Decimal("300")}, by=by
    )
    side.budget = finance.budget_approve(budget=side.budget, resolution=side.resolution, by=by)
    side.pledge = finance.pledge_set(
        council=council, unit=side.unit, year=today.year, amount=Decimal("800"), by=by
    )
    side.expenditure = finance.entry_post(
        council=council,
        kind="expenditure",
        amount=Decimal("120.00"),
        entry_date=today,
        category=category,
        counterparty="保洁公司",
        by=by,
    )
    # The council has reported its rectification with evidence; street staff have not closed it yet.
    side.violation = finance.violation_rectify(
        violation=side.expenditure.violations.get(),
        measures="已召开理事会议补作决议",
        evidence=SimpleUploadedFile("整改报告.pdf", PDF_BYTES),
        by=by,
    )
    side.fund = side.entry.fund


ROLE_NODE = {
    Role.CITY_OFFICE: None,
    Role.DISTRICT_OFFICE: "district",
    Role.STREET_STAFF: "street",
    Role.COMMUNITY_STAFF: "community",
    Role.COUNCIL_SECRETARY: "council",
    Role.PATROLLER: "community",
    Role.UNIT_CONTACT: "unit",
}


def user_with_role(role: str, side: Side | None = None, **kwargs):
    user = UserFactory(**kwargs)
    node = ROLE_NODE[role]
    field = {"unit": "member_unit"}.get(node, node)
    RoleAssignmentFactory(user=user, role=role, **({field: getattr(side, node)} if node else {}))
    return user


def pytest_addoption(parser):
    parser.addoption(
        "--frozen-at",
        metavar="MOMENT",
        help="run the session on a clock set to this ISO moment (e.g. 2026-12-31T23:30+08:00), "
        "ticking from there; the date sweep (`make datesweep`, issue 14 §0) runs the tests marked "
        "`dates` at several such moments",
    )


def pytest_configure(config):
    """With --frozen-at, travel before anything is imported or built: module-level dates, the
    test database's rows and every fixture see the chosen moment. Each xdist worker travels too."""
    moment = config.getoption("frozen_at")
    if moment:
        at = datetime.fromisoformat(moment)
        if at.tzinfo is None:
            raise pytest.UsageError("--frozen-at needs a UTC offset, e.g. 2026-12-31T23:30+08:00")
        traveller = time_machine.travel(at, tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_report_header(config):
    moment = config.getoption("frozen_at")
    return f"clock frozen at {moment} (ticking)" if moment else None


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests sign in thousands of times; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def chinese_by_default():
    """A request in English leaves English active in the thread; every test starts in Chinese."""
    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploads go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True, scope="session")
def sqlite_flush_sets_guards_aside():
    """A transactional test's data is flushed after it; on SQLite a flush deletes row by row, which
    the database's guards refuse (the ledger is append-only), where PostgreSQL's TRUNCATE fires no
    row trigger. On SQLite the flush drops the triggers and creates them again in one transaction."""
    from django.db import connection, transaction

    if connection.vendor != "sqlite":
        yield
        return
    operations = type(connection.ops)
    flush = operations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            flush(self, sql_list)
            for _, sql in triggers:
                cursor.execute(sql)

    patch = pytest.MonkeyPatch()
    patch.setattr(operations, "execute_sql_flush", execute_sql_flush)
    yield
    patch.undo()


@pytest.fixture
def side_a(db) -> Side:
    return build_side("甲")


@pytest.fixture
def side_b(db) -> Side:
    return build_side("乙")


@pytest.fixture
def role_users(side_a, side_b) -> dict[str, object]:
    """One user per role, each scoped to side A."""
    return {role: user_with_role(role, side_a, username=str(role)) for role in Role}


@dataclass
class LeftUnit:
    """A unit that sat on a side's council from 2024-01-01 to 2024-06-30 (issue 14 §2), with what
    it left behind there, and its contact. Everything else of the council (the side's meeting,
    fund, budget, plan…) was recorded after it left."""

    unit: MemberUnit
    membership: Membership
    contact: object
    meeting: Meeting  # held while it sat, with its attendance row
    resolution: Resolution
    task: Task  # assigned to it
    contact_log: ContactLog
    entry: object  # its contribution, with a receipt
    pledge: object
    point_event: object
    activity: object  # organised by it in the side's community


def build_left_unit(side: Side) -> LeftUnit:
    from assessments.services import point_record
    from finance import services as finance
    from inspections import services as patrols
    from inspections.models import Activity

    by, council = side.secretary, side.council
    unit = MemberUnitFactory(street=side.street, name=f"{side.community.name}退出单位")
    seat = services.membership_add(
        council=council, unit=unit, joined_on=date(2024, 1, 1), buildings=[side.building], by=by
    )
    meeting = services.meeting_record(
        council=council,
        held_at=timezone.make_aware(datetime(2024, 3, 15, 15, 0)),
        kind=Meeting.Kind.REGULAR,
        place="社区会议室",
        seats=[
            Seat(side.membership.pk, present=True, representative="代表"),
            Seat(seat.pk, present=True, representative="退出单位代表"),
        ],
        agenda=["部署任务"],
        minutes="第一季度例会纪要",
        by=by,
    )
    resolution = services.resolution_record(
        meeting=meeting,
        title="楼道整治",
        text="决议内容",
        votes_for=2,
        subject=Resolution.Subject.TASK,
        by=by,
    )
    left = LeftUnit(
        unit=unit,
        membership=seat,
        contact=UserFactory(username=f"left-unit-contact-{unit.pk}"),
        meeting=meeting,
        resolution=resolution,
        task=services.task_create(
            resolution=resolution, title="退出单位任务", assignee=unit, due_on=date(2024, 5, 31), by=by
        ),
        contact_log=services.contact_log_record(
            membership=seat,
            contacted_on=date(2024, 4, 10),
            building=side.building,
            residents_met=2,
            matters="退出单位走访",
            by=by,
        ),
        entry=finance.entry_post(
            council=council,
            kind="contribution",
            amount=Decimal("200.00"),
            entry_date=date(2024, 3, 20),
            unit=unit,
            receipt=SimpleUploadedFile("退出单位收据.pdf", PDF_BYTES),
            by=by,
        ),
        pledge=finance.pledge_set(council=council, unit=unit, year=2024, amount=Decimal("300"), by=by),
        point_event=point_record(
            unit=unit, council=council, points=1, reason="参与楼道整治", occurred_on=date(2024, 4, 1), by=by
        ),
        activity=patrols.activity_record(
            community=side.community,
            kind=Activity.Kind.WARMTH_VISIT,
            title="退出单位走访",
            held_on=date(2024, 4, 20),
            organiser=unit,
            participants=3,
            by=by,
        ),
    )
    services.membership_leave(membership=seat, left_on=date(2024, 6, 30), by=by)
    left.membership.refresh_from_db()
    RoleAssignmentFactory(user=left.contact, role=Role.UNIT_CONTACT, member_unit=unit)
    return left


@pytest.fixture
def left_unit(side_a) -> LeftUnit:
    """A unit contact whose unit left side A's council before side A's records were made."""
    return build_left_unit(side_a)


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
