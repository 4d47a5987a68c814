"""Scoring reports (issue 6 §6; R-1.9, R-1.10): a PDF ranking of the member units of one street,
one district or the whole city for one period, rendered by a job.

`report_request` records the request and queues the job once the transaction commits; a second
request for the same period and scope while one is queued or running gets that one back.
`report_render` is what the job runs: it guards on the state, so a redelivered or repeated job
does no harm, and it leaves the report either ready (file, SHA-256, pages) or failed with the
reason the page shows (DESIGN.md invariant 6). The PDF goes through councils.pdf.render_pdf,
which reads nothing but the portal's own static files (invariant 7).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO

import redis.exceptions
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import Avg, Count, Max, Min, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError
from pypdf import PdfReader

from councils.models import District, Street
from councils.pdf import render_pdf
from councils.roles import CAPABILITIES, Capability, Level
from councils.scoping import grants_of, has_capability
from councils.services.history import history_record

from .models import Grade, Period, RankingReport, Result

logger = logging.getLogger(__name__)

TEMPLATE = "pdf/ranking_report.html"
PENDING = (RankingReport.State.QUEUED, RankingReport.State.RUNNING)
# A database that went away or a dropped connection: the job is worth trying again.
TRANSIENT = (OperationalError, InterfaceError)
# Publishing a job with no broker to take it.
BROKER_DOWN = (BrokerError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
ERROR_LENGTH = 1000
ONE_PLACE = Decimal("0.1")
TOP = 10

RANK_FIELD = {Level.CITY: "rank_city", Level.DISTRICT: "rank_district", Level.STREET: "rank_street"}
GRADE_COLOURS = {
    Grade.EXCELLENT: "#2e7d32",
    Grade.GOOD: "#1565c0",
    Grade.PASS: "#ef8f00",
    Grade.FAIL: "#c62828",
}


def queue_down_reason() -> str:
    return _("任务队列暂不可用，请稍后重试")


# --- Who may ask for which report -----------------------------------------------------------------


def may_request(user, *, level: str, district: District | None, street: Street | None) -> bool:
    """Whether `user` may have the ranking of this scope rendered: the city office any scope, a
    district office its district and that district's streets, street staff their own street."""
    capability = Capability.REQUEST_REPORTS
    if not has_capability(user, capability):
        return False
    if level == Level.CITY:
        allowed = CAPABILITIES[capability]
        return any(g.level == Level.CITY and g.role in allowed for g in grants_of(user))
    if level == Level.DISTRICT:
        return District.objects.visible_to(user, capability).filter(pk=district.pk).exists()
    return Street.objects.visible_to(user, capability).filter(pk=street.pk).exists()


def _checked_scope(
    *, level: str, district: District | None, street: Street | None
) -> tuple[District | None, Street | None]:
    """The scope's nodes as the model stores them, or a ValidationError on `scope`."""
    if level == Level.CITY:
        if district is not None or street is not None:
            raise ValidationError({"scope": _("全市排名报告不能再指定区或街道。")}, code="scope_mismatch")
        return None, None
    if level == Level.DISTRICT:
        if district is None or street is not None:
            raise ValidationError(
                {"scope": _("区排名报告须指定一个区，且不能指定街道。")}, code="scope_mismatch"
            )
        return district, None
    if level == Level.STREET:
        if street is None:
            raise ValidationError({"scope": _("街道排名报告须指定一个街道/镇。")}, code="scope_mismatch")
        if district is not None and district.pk != street.district_id:
            raise ValidationError({"scope": _("所选街道/镇不属于所选的区。")}, code="scope_mismatch")
        return street.district, street
    raise ValidationError({"scope": _("排名报告的范围只能是全市、区或街道/镇。")}, code="bad_level")


# --- Requesting and retrying ------------------------------------------------------------------------


def report_request(
    *,
    period: Period,
    level: str,
    district: District | None = None,
    street: Street | None = None,
    by,
    queue: str | None = None,
) -> RankingReport:
    """Ask for the ranking report of a period and a scope (R-1.9, R-1.10). While a report of
    the same period and scope is queued or running, that report is returned instead of a new
    one (its `already_pending` is True). The job is queued once the transaction commits, on
    `queue` when given (tests run their own worker); with no broker to take it, the report is
    marked failed with a reason the user can act on."""
    district, street = _checked_scope(level=level, district=district, street=street)
    if not may_request(by, level=level, district=district, street=street):
        raise ValidationError({"scope": _("您无权生成该范围的排名报告。")}, code="out_of_scope")
    with transaction.atomic():
        # Requests for one period queue behind each other, so two clicks make one report.
        Period.objects.select_for_update().get(pk=period.pk)
        pending = (
            RankingReport.objects.filter(
                period=period, level=level, district=district, street=street, state__in=PENDING
            )
            .order_by("requested_at", "pk")
            .first()
        )
        if pending is not None:
            pending.already_pending = True
            return pending
        report = RankingReport(period=period, level=level, district=district, street=street, requested_by=by)
        report.full_clean()
        report.save()
        report.already_pending = False
        transaction.on_commit(lambda: report_enqueue(report_id=report.pk, queue=queue))
    return report


@transaction.atomic
def report_retry(*, report: RankingReport, by, queue: str | None = None) -> RankingReport:
    """Queue a failed report again; the earlier reason goes into the report's history."""
    report = (
        RankingReport.objects.select_for_update(of=("self",))
        .select_related("period", "district", "street")
        .get(pk=report.pk)
    )
    if report.state != RankingReport.State.FAILED:
        raise ValidationError(_("只有生成失败的报告才能重新生成。"), code="not_failed")
    if not may_request(by, level=report.level, district=report.district, street=report.street):
        raise ValidationError(_("您无权生成该范围的排名报告。"), code="out_of_scope")
    history_record(obj=report, action="retry", by=by, changes={"error": [report.error, ""]})
    report.state = RankingReport.State.QUEUED
    report.error = ""
    report.started_at = report.finished_at = None
    report.save(update_fields=["state", "error", "started_at", "finished_at"])
    transaction.on_commit(lambda: report_enqueue(report_id=report.pk, queue=queue))
    return report


def report_enqueue(*, report_id: int, queue: str | None = None) -> None:
    """Hand the report to the job queue; when the broker cannot be reached the report fails at
    once with a reason, instead of waiting for a job that will never come."""
    from .tasks import ranking_report_render

    try:
        ranking_report_render.apply_async(args=[report_id], **({"queue": queue} if queue else {}))
    except BROKER_DOWN:
        logger.exception("ranking report %s: the job queue is unreachable", report_id)
        RankingReport.objects.filter(pk=report_id, state=RankingReport.State.QUEUED).update(
            state=RankingReport.State.FAILED, error=queue_down_reason(), finished_at=timezone.now()
        )


# --- Rendering (the job) ----------------------------------------------------------------------------


def report_render(*, report_id: int, last_attempt: bool = True) -> RankingReport | None:
    """Render the report's PDF and store it under a random name, one file per report (a second
    run replaces the first's file). A ready or failed report is left alone. A database error
    that may pass is raised again for the job to retry, the report staying "running" unless
    this was the `last_attempt`; any other error leaves the report failed with its reason."""
    with transaction.atomic():
        report = (
            RankingReport.objects.select_for_update(of=("self",))
            .select_related("period", "district", "street")
            .filter(pk=report_id)
            .first()
        )
        if report is None or report.state not in PENDING:
            return report
        report.state = RankingReport.State.RUNNING
        report.started_at, report.finished_at, report.error = timezone.now(), None, ""
        report.save(update_fields=["state", "started_at", "finished_at", "error"])
    try:
        with translation.override(settings.LANGUAGE_CODE):
            pdf = render_pdf(TEMPLATE, ranking_context(report))
        report.pages = len(PdfReader(BytesIO(pdf)).pages)
        report.checksum = hashlib.sha256(pdf).hexdigest()
        replaced = report.file.name
        report.file.save("report.pdf", ContentFile(pdf), save=False)
        report.state = RankingReport.State.READY
        report.finished_at = timezone.now()
        report.save(update_fields=["file", "checksum", "pages", "state", "finished_at"])
        if replaced and replaced != report.file.name:
            report.file.storage.delete(replaced)  # a redelivered job: the row points at the new file
    except TRANSIENT as error:
        if last_attempt:
            _fail(report, error)
        raise
    except Exception as error:
        logger.exception("ranking report %s failed", report_id)
        _fail(report, error)
    return report


def _fail(report: RankingReport, error: BaseException) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        if isinstance(error, SoftTimeLimitExceeded):
            reason = _("报告生成超时，请缩小范围后重试。")
        else:
            reason = _("报告生成失败：%(kind)s: %(detail)s") % {
                "kind": type(error).__name__,
                "detail": str(error) or "-",
            }
    report.state, report.error = RankingReport.State.FAILED, reason[:ERROR_LENGTH]
    report.finished_at = timezone.now()
    try:
        RankingReport.objects.filter(pk=report.pk).update(
            state=report.state, error=report.error, finished_at=report.finished_at
        )
    except DatabaseError:
        logger.exception("ranking report %s: could not record the failure", report.pk)


# --- What the report shows --------------------------------------------------------------------------


def report_title(report: RankingReport) -> str:
    """梅列区2026年上半年成员单位共建工作考核排名: also the downloaded file's name."""
    return _("%(scope)s%(period)s成员单位共建工作考核排名") % {
        "scope": report.scope_name,
        "period": report.period,
    }


@dataclass(frozen=True)
class Row:
    rank: int
    unit: str
    street: str
    councils: int
    rubric_score: Decimal
    points_counted: Decimal
    final_score: Decimal
    grade: str
    grade_label: str
    civilized: bool

    @property
    def points_text(self) -> str:
        return f"{self.points_counted:+}" if self.points_counted else "0.0"


@dataclass(frozen=True)
class Bar:
    """One bar of an SVG chart, laid out here so the template only places numbers."""

    label: str
    value: str
    y: int
    width: float
    value_x: float
    colour: str


# The charts' coordinates (SVG user units, 1 unit = 1 CSS px; the page is about 650 wide).
CHART_WIDTH = 640
LABEL_WIDTH = 190
BAR_X = LABEL_WIDTH + 6
BAR_AREA = 380
BAR_HEIGHT = 18
BAR_GAP = 8
CHART_PAD = 6


def bars(items: list[tuple[str, Decimal | int, str, str]], *, scale: Decimal | int) -> tuple[list[Bar], int]:
    """(label, value, value text, colour) → bars and the chart's height."""
    out = []
    for index, (label, value, text, colour) in enumerate(items):
        width = round(float(value) / float(scale) * BAR_AREA, 1) if scale else 0.0
        y = CHART_PAD + index * (BAR_HEIGHT + BAR_GAP)
        out.append(Bar(label, text, y, width, BAR_X + width + 6, colour))
    return out, CHART_PAD * 2 + len(items) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP


def ranking_results(report: RankingReport):
    """The period's results within the report's scope, ranked within that scope."""
    results = Result.objects.filter(period=report.period)
    if report.level == Level.STREET:
        results = results.filter(street=report.street_id)
    elif report.level == Level.DISTRICT:
        results = results.filter(district=report.district_id)
    return results


def ranking_context(report: RankingReport) -> dict:
    """Everything the print template shows: the title, the summary, the charts and the table."""
    rank_field = RANK_FIELD[report.level]
    results = ranking_results(report)
    grade_labels = dict(Grade.choices)
    rows = [
        Row(
            rank=getattr(result, rank_field),
            unit=result.unit.name,
            street=result.street.name,
            councils=result.assessments,
            rubric_score=result.rubric_score,
            points_counted=result.points_counted,
            final_score=result.final_score,
            grade=result.grade,
            grade_label=str(grade_labels[result.grade]),
            civilized=result.civilized,
        )
        for result in results.select_related("unit", "street").order_by(rank_field, "unit__name", "pk")
    ]
    stats = results.aggregate(
        average=Avg("final_score"),
        highest=Max("final_score"),
        lowest=Min("final_score"),
        civilized=Count("pk", filter=Q(civilized=True)),
        **{grade: Count("pk", filter=Q(grade=grade)) for grade in Grade.values},
    )
    total = len(rows)
    distribution = [
        {
            "grade": grade,
            "label": str(label),
            "count": stats[grade],
            "share": (Decimal(stats[grade] * 100) / total).quantize(ONE_PLACE, ROUND_HALF_UP)
            if total
            else None,
        }
        for grade, label in Grade.choices
    ]
    grade_bars, grade_height = bars(
        [(d["label"], d["count"], str(d["count"]), GRADE_COLOURS[d["grade"]]) for d in distribution],
        scale=max([d["count"] for d in distribution] + [1]),
    )
    top = rows[:TOP]
    score_bars, score_height = bars(
        [(r.unit, r.final_score, str(r.final_score), GRADE_COLOURS[r.grade]) for r in top],
        scale=max([r.final_score for r in top] + [Decimal(100)]),
    )
    average = stats["average"]
    period = report.period
    return {
        "report": report,
        "title": report_title(report),
        "period": period,
        "generated_at": report.started_at or timezone.now(),
        "rows": rows,
        "total": total,
        "average": Decimal(average).quantize(ONE_PLACE, ROUND_HALF_UP) if average is not None else None,
        "highest": stats["highest"],
        "lowest": stats["lowest"],
        "civilized": stats["civilized"],
        "distribution": distribution,
        "grade_bars": grade_bars,
        "grade_chart_height": grade_height,
        "score_bars": score_bars,
        "score_chart_height": score_height,
        "top": top,
        # The tail of the ranking, never repeating a unit already in the top ten.
        "bottom": rows[max(TOP, total - TOP) :],
        "show_street": report.level != Level.STREET,
        "chart": {
            "width": CHART_WIDTH,
            "label_width": LABEL_WIDTH,
            "bar_x": BAR_X,
            "bar_height": BAR_HEIGHT,
            "text_dy": BAR_HEIGHT - 5,
        },
    }
