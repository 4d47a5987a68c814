"""Every write on bulletins (R-6.3) and model cases (R-5.2), and the job that compiles and renders
a bulletin (DESIGN.md invariants 5 – 7).

Numbering: a bulletin takes its document number when it is published, never before. An office
compiles drafts it may regenerate or abandon; a number given at compilation would be lost with
every abandoned draft and leave a gap in the year's series. Publishing locks the bulletin's row
and then the issuer's counter for the year (always in that order), adds one and stores the number
on the bulletin in the same transaction, so two bulletins published at once get consecutive
numbers and a failed transaction uses none. The render job that follows only reads the number:
run again after a crash it renders the same number into the same file name.

The job (`bulletin_run`) re-reads the row, guards on the state, reports its step and percentage
on the row as it goes, and writes the file under the bulletin's lock only if nothing changed in
the meantime. A second delivery of the same job finds nothing left to do.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import redis.exceptions
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, InterfaceError, OperationalError, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from councils.models import Community, District, MemberUnit
from councils.pdf import ResourceRefused, html_to_pdf
from councils.periods import Quarter, today
from councils.uploads import random_name

from .bulletin_data import bulletin_facts
from .models import Half
from .models_bulletins import Bulletin, BulletinCounter, BulletinDownload, BulletinEvent, ModelCase, Span

logger = logging.getLogger(__name__)

# The city's own office and its 代字 (明文明办〔2026〕3号); a district's are made from its name.
# Both are only defaults: each bulletin keeps what the office typed, and the next one starts
# from the last bulletin of the same scope.
CITY_ISSUER = "三明市精神文明建设办公室"
CITY_PREFIX = "明文明办"
# A job that has not reported for this long is presumed lost: the page offers to run it again.
STALE_AFTER = timedelta(minutes=15)
# A job whose worker keeps dying (redelivered each time) is stopped after this many starts.
MAX_DELIVERIES = 5
# Publishing a job with no broker to take it.
BROKER_DOWN = (BrokerError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
TEXT_FIELDS = ("overview", "praise", "problems")
HEADER_FIELDS = ("title", "issuer", "prefix", "main_recipients", "copy_recipients", "commentary")

# --- Chinese numbers and dates ------------------------------------------------------------------

DIGITS = "〇一二三四五六七八九"


def chinese_count(n: int) -> str:
    """1 → 一, 10 → 十, 18 → 十八, 20 → 二十, 31 → 三十一 (1 – 99)."""
    if not 0 < n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return DIGITS[ones]
    head = "" if tens == 1 else DIGITS[tens]
    return head + "十" + (DIGITS[ones] if ones else "")


def chinese_date(day: date) -> str:
    """2026-01-18 → 二〇二六年一月十八日, the way official documents write the date."""
    year = "".join(DIGITS[int(c)] for c in str(day.year))
    return f"{year}年{chinese_count(day.month)}月{chinese_count(day.day)}日"


def document_number(prefix: str, year: int, serial: int) -> str:
    """明文明办〔2026〕3号: the 代字, the year in hexagonal brackets, the serial."""
    return f"{prefix}〔{year}〕{serial}号"


# --- Defaults -----------------------------------------------------------------------------------


def period_label(span: str, year: int, part: int) -> str:
    if span == Span.HALF:
        return f"{year}年{Half(part).label}"
    return str(Quarter(year, part))


def bulletin_defaults(*, district: District | None, span: str, year: int, part: int) -> dict[str, str]:
    """Title, issuer, 代字 and recipients for a new bulletin: the last bulletin of the same scope
    gives the office's own choices, otherwise the standard ones. Always in Chinese: the document
    is, whatever the language of the page."""
    previous = Bulletin.objects.filter(district=district).order_by("-created_at", "-pk").first()
    with translation.override(settings.LANGUAGE_CODE):
        title = _("关于%(period)s社区共建联创工作情况的通报") % {"period": period_label(span, year, part)}
        if previous is not None:
            return {
                "title": title,
                "issuer": previous.issuer,
                "prefix": previous.prefix,
                "main_recipients": previous.main_recipients,
                "copy_recipients": previous.copy_recipients,
            }
        if district is None:
            return {
                "title": title,
                "issuer": CITY_ISSUER,
                "prefix": CITY_PREFIX,
                "main_recipients": _("各区文明办，各街道办事处、镇人民政府，各社区共建理事会及成员单位"),
                "copy_recipients": _("市委宣传部，市直有关单位"),
            }
        return {
            "title": title,
            "issuer": _("%(district)s精神文明建设办公室") % {"district": district.name},
            "prefix": _("%(initial)s文明办") % {"initial": district.name[:1]},
            "main_recipients": _("各街道办事处、镇人民政府，各社区共建理事会及成员单位"),
            "copy_recipients": _("市文明办"),
        }


# --- The compiled text ----------------------------------------------------------------------------


def decimal_text(value) -> str:
    """95.0 → "95", 92.5 → "92.5"."""
    text = f"{Decimal(str(value)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _percent(value) -> str:
    return "—" if value is None else f"{decimal_text(value)}%"


def _sections(parts: list[tuple[str, str]]) -> list[str]:
    """Number the non-empty parts （一）（二）… in order."""
    return [
        f"（{chinese_count(index)}）{heading}{body}"
        for index, (heading, body) in enumerate(((h, b) for h, b in parts if b), start=1)
    ]


def _named(rows: list, render: Callable[[dict], str], separator: str = "、") -> str:
    """Each row named, joined, closed with a full stop; nothing for no rows."""
    return separator.join(render(row) for row in rows) + "。" if rows else ""


def survey_lines(surveys: dict | None) -> list[str]:
    """Residents' five rates (R-6.2); communities named only with enough answers."""
    if not surveys or not surveys["responses"]:
        return []
    rates = "、".join(
        _("%(label)s%(pct)s") % {"label": r["label"], "pct": "—" if r["pct"] is None else f"{r['pct']:.1f}%"}
        for r in surveys["rates"]
    )
    lines = [
        _("%(round)s居民调查共收回答卷%(n)d份：%(rates)s。")
        % {"round": surveys["round"], "n": surveys["responses"], "rates": rates}
    ]
    if surveys.get("held"):
        lines[0] += _("另有%(n)d份答卷因短时间内集中提交待审核，未计入上述比例。") % {"n": surveys["held"]}
    if surveys["lowest"]:
        names = "、".join(
            _("%(community)s（%(street)s，满意率%(pct).1f%%，%(n)d份）") % row for row in surveys["lowest"]
        )
        lines.append(
            _("答卷不少于%(min)d份的社区中，满意率较低的是：%(names)s。")
            % {"min": surveys["min_sample"], "names": names}
        )
    return lines


def _overview(facts: dict, period: str) -> list[str]:
    o = facts["overview"]
    lines = [
        _(
            "%(period)s，%(scope)s共有社区共建理事会%(councils)d个、成员单位%(units)d家。各理事会共召开理事会议"
            "%(meetings)d次，%(met)d个理事会按季度召开了理事会议，%(missed)d个理事会未按季度召开。"
        )
        % {
            "period": period,
            "scope": facts["scope"],
            "councils": o["councils"],
            "units": o["units"],
            "meetings": o["meetings"],
            "met": o["met_all"],
            "missed": o["missed"],
        },
        _(
            "截至%(date)s，共建资金违规问题尚未整改销号%(open)d个，其中逾期未整改%(overdue)d个。"
            "本期文明巡查发现问题%(findings)d个，已纠正%(fixed)d个，整改率%(rate)s；逾期未整改问题%(late)d个。"
        )
        % {
            "date": chinese_date(date.fromisoformat(facts["as_of"])),
            "open": o["violations_open"],
            "overdue": o["violations_overdue"],
            "findings": o["findings"],
            "fixed": o["fixed"],
            "rate": _percent(o["rate"]),
            "late": o["findings_overdue"],
        },
    ]
    if facts["assessment_period"]:
        lines.append(
            _(
                "%(period)s成员单位考核结果已公布%(assessed)d家，其中优秀%(excellent)d家、不合格%(failed)d家；"
                "未完成考核%(missing)d份。"
            )
            % {
                "period": facts["assessment_period"],
                "assessed": o["assessed"],
                "excellent": o["excellent"],
                "failed": o["failed"],
                "missing": o["not_assessed"],
            }
        )
    else:
        lines.append(_("本期尚无已截止的半年考核。"))
    if o["cases"]:
        lines.append(_("各地推荐共建典型案例%(n)d个。") % {"n": o["cases"]})
    lines += survey_lines(facts.get("surveys"))
    lines.append(_("各街道（镇）情况见附件。"))
    return lines


def _scored(unit: dict) -> str:
    return _("%(unit)s（%(score)s分）") % {"unit": unit["unit"], "score": decimal_text(unit["score"])}


def _praise(p: dict) -> list[str]:
    def community(c: dict) -> str:
        return _("%(community)s（%(street)s，发现问题%(n)d个，已纠正%(fixed)d个，整改率%(rate)s）") % {
            "community": c["community"],
            "street": c["street"],
            "n": c["findings"],
            "fixed": c["fixed"],
            "rate": _percent(c["rate"]),
        }

    def case(index: int, c: dict) -> str:
        return "\n" + _("%(n)d. %(title)s（%(where)s）：%(story)s") % {
            "n": index,
            "title": c["title"],
            "where": "，".join(x for x in (c["street"] + c["community"], c["unit"]) if x),
            "story": " ".join(c["story"].split()),
        }

    parts = _sections(
        [
            (
                _("按季度召开理事会议、无资金违规问题的理事会（%(n)d个）：") % {"n": len(p["councils"])},
                _named(p["councils"], lambda c: c["council"]),
            ),
            (
                _("考核等次为优秀的成员单位（%(n)d家）：") % {"n": len(p["units"])},
                _named(p["units"], _scored),
            ),
            (_("巡查问题整改率较高的社区："), _named(p["communities"], community)),
            (_("共建典型案例："), "".join(case(i, c) for i, c in enumerate(p["cases"], start=1))),
        ]
    )
    if not parts:
        return [_("本期暂无符合表扬条件的理事会、成员单位和社区。")]
    return [_("对以下理事会、成员单位和社区予以通报表扬："), *parts]


def _problems(q: dict) -> list[str]:
    def missed(m: dict) -> str:
        return _("%(council)s（%(street)s，%(quarters)s）") % {
            "council": m["council"],
            "street": m["street"],
            "quarters": "、".join(m["quarters"]),
        }

    def violation(v: dict) -> str:
        text = (
            _(
                "%(council)s资金流水%(entry)s，%(kind)s，金额%(amount)s元，整改期限%(deadline)s，已逾期%(days)d天"
            )
            if v["overdue"]
            else _(
                "%(council)s资金流水%(entry)s，%(kind)s，金额%(amount)s元，整改期限%(deadline)s，%(status)s"
            )
        )
        return text % {
            "council": v["council"],
            "entry": v["entry"],
            "kind": v["kind"],
            "amount": v["amount"],
            "deadline": v["deadline"],
            "days": v["days_overdue"],
            "status": v["status"],
        }

    def unassessed(a: dict) -> str:
        return _("%(unit)s（%(council)s，%(status)s）") % a

    def overdue(f: dict) -> str:
        detail = "、".join(
            _("%(category)s%(n)d个") % {"category": label, "n": n} for label, n in f["categories"]
        )
        return _("%(community)s（%(street)s）逾期%(n)d个，其中%(detail)s") % {
            "community": f["community"],
            "street": f["street"],
            "n": f["count"],
            "detail": detail,
        }

    parts = _sections(
        [
            (
                _("未按季度召开理事会议的理事会（%(n)d个）：") % {"n": len(q["missed"])},
                _named(q["missed"], missed),
            ),
            (
                _("共建资金违规问题尚未整改销号（%(n)d个）：") % {"n": len(q["violations"])},
                _named(q["violations"], violation, "；"),
            ),
            (
                _("考核等次为不合格的成员单位（%(n)d家）：") % {"n": len(q["failed_units"])},
                _named(q["failed_units"], _scored),
            ),
            (
                _("未完成考核的成员单位（%(n)d份）：") % {"n": len(q["not_assessed"])},
                _named(q["not_assessed"], unassessed),
            ),
            (
                _("巡查问题逾期未整改的社区（%(n)d个）：") % {"n": len(q["overdue_findings"])},
                _named(q["overdue_findings"], overdue, "；"),
            ),
        ]
    )
    if not parts:
        return [_("本期未发现需要通报的问题。")]
    return [_("对以下问题予以通报，请相关理事会、成员单位和社区认真整改，按期销号："), *parts]


def compose(facts: dict, *, period: str) -> dict[str, str]:
    """The overview, praise and problems as plain text, one paragraph per line, from the facts.
    The office may rewrite any of it before publishing."""
    return {
        "overview": "\n".join(_overview(facts, period)),
        "praise": "\n".join(_praise(facts["praise"])),
        "problems": "\n".join(_problems(facts["problems"])),
    }


# --- Writes -------------------------------------------------------------------------------------


def _event(bulletin: Bulletin, action: str, by=None, note: str = "") -> BulletinEvent:
    return BulletinEvent.objects.create(bulletin=bulletin, action=action, by=by, note=note)


def _enqueue(bulletin: Bulletin) -> None:
    """Start the job once the transaction that asked for it has committed."""
    pk = bulletin.pk
    transaction.on_commit(lambda: bulletin_dispatch(bulletin_id=pk))


def queue_waiting_reason() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("任务队列暂不可用，通报已排队，队列恢复后将自动开始生成。")


def bulletin_dispatch(*, bulletin_id: int) -> bool:
    """Hand the job to the queue. With no broker to take it the bulletin stays queued, marked
    as waiting for the queue (the page says so), and `bulletins_requeue` sends it again once the
    broker is back (issue 8 §4). Returns whether the job was handed over."""
    from .tasks import bulletin_render

    try:
        bulletin_render.apply_async(args=[bulletin_id])
    except BROKER_DOWN:
        logger.warning("bulletin %s: the job queue is unreachable; it waits for the queue", bulletin_id)
        Bulletin.objects.filter(pk=bulletin_id, state__in=Bulletin.PENDING, job_started_at=None).update(
            error=queue_waiting_reason()
        )
        return False
    # Handed over: the page stops saying it waits for the queue, and a lost message is looked
    # for again only `STALE_AFTER` from now.
    Bulletin.objects.filter(pk=bulletin_id, state__in=Bulletin.PENDING, job_started_at=None).update(
        error="", updated_at=timezone.now()
    )
    return True


def bulletins_requeue(*, older_than: timedelta = STALE_AFTER) -> list[int]:
    """Send again the jobs that never reached the queue (the broker was down when they were
    asked for) and those queued longer than `older_than` without starting (a lost message).
    A job sent twice does its work once: it guards on the bulletin's state. Beat runs this every
    minute and each worker once it is ready. Returns the ids sent."""
    waiting = Bulletin.objects.filter(state__in=Bulletin.PENDING, job_started_at=None).filter(
        ~models.Q(error="") | models.Q(updated_at__lt=timezone.now() - older_than)
    )
    sent = []
    for pk in waiting.order_by("pk").values_list("pk", flat=True):
        if not bulletin_dispatch(bulletin_id=pk):
            break  # still no broker: the next round tries again
        sent.append(pk)
    return sent


def _check_period(span: str, year: int, part: int) -> None:
    if span not in Span.values:
        raise ValidationError({"span": _("请选择季度或半年。")})
    if not (2000 <= year <= 2100) or not (1 <= part <= (4 if span == Span.QUARTER else 2)):
        raise ValidationError(_("通报周期不正确。"))
    first = Quarter(year, part).first_day if span == Span.QUARTER else date(year, 1 if part == 1 else 7, 1)
    if first > today():
        raise ValidationError(_("不能为尚未开始的季度或半年编发通报。"))


@transaction.atomic
def bulletin_create(
    *,
    district: District | None,
    span: str,
    year: int,
    part: int,
    by,
    origin: str = Bulletin.Origin.MANUAL,
    **fields: str,
) -> Bulletin:
    """A draft bulletin of the city (no district) or of one district for a quarter or a
    half-year (R-6.3). Fields left empty take the defaults of `bulletin_defaults`."""
    _check_period(span, year, part)
    unknown = set(fields) - set(HEADER_FIELDS)
    if unknown:
        raise TypeError(sorted(unknown))
    values = bulletin_defaults(district=district, span=span, year=year, part=part)
    values.update({k: v.strip() for k, v in fields.items() if v and v.strip()})
    bulletin = Bulletin(
        district=district, span=span, year=year, part=part, origin=origin, created_by=by, **values
    )
    bulletin.full_clean()
    bulletin.save()
    _event(bulletin, BulletinEvent.Action.CREATED, by)
    return bulletin


def _locked(bulletin: Bulletin | int) -> Bulletin:
    pk = bulletin if isinstance(bulletin, int) else bulletin.pk
    return Bulletin.objects.select_for_update().order_by().get(pk=pk)


def _refuse_unless_editable(bulletin: Bulletin) -> None:
    if bulletin.serial is not None:
        raise ValidationError(_("通报已签发，不能再修改。"))
    if bulletin.is_pending:
        raise ValidationError(_("通报正在生成，请稍候再操作。"))


@transaction.atomic
def bulletin_edit(*, bulletin: Bulletin, by, **fields: str) -> Bulletin:
    """Change the header, the commentary (点评) or the compiled text before publishing. The file
    no longer matches, so a ready bulletin goes back to draft until it is regenerated; a
    published one never changes (R-6.3)."""
    unknown = set(fields) - set(HEADER_FIELDS) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(sorted(unknown))
    bulletin = _locked(bulletin)
    _refuse_unless_editable(bulletin)
    if bulletin.compiled_at is None and set(fields) & set(TEXT_FIELDS):
        raise ValidationError(_("尚未汇总数据的通报不能修改正文，请先生成。"))
    values = {name: (value or "").replace("\r\n", "\n").strip() for name, value in fields.items()}
    changed = [name for name, value in values.items() if value != getattr(bulletin, name)]
    if not changed:
        return bulletin
    for name in changed:
        setattr(bulletin, name, values[name])
    bulletin.revision += 1
    if bulletin.state in (Bulletin.State.READY, Bulletin.State.FAILED):
        bulletin.state = Bulletin.State.DRAFT
    bulletin.full_clean()
    bulletin.save()
    labels = [str(Bulletin._meta.get_field(name).verbose_name) for name in changed]
    _event(bulletin, BulletinEvent.Action.EDITED, by, "、".join(labels))
    return bulletin


def _queue(bulletin: Bulletin, state: str) -> None:
    bulletin.state = state
    bulletin.attempts = 0
    bulletin.step = Bulletin.Step.QUEUED
    bulletin.progress = 0
    bulletin.error = ""
    bulletin.job_started_at = None
    bulletin.job_finished_at = None
    bulletin.save()
    _enqueue(bulletin)


@transaction.atomic
def bulletin_generate(*, bulletin: Bulletin, by, recompile: bool = False) -> Bulletin:
    """Queue the job that renders the bulletin as a PDF; with `recompile` (or on the first run)
    it first compiles the figures and the text from the live data, replacing edited text."""
    bulletin = _locked(bulletin)
    _refuse_unless_editable(bulletin)
    bulletin.needs_compile = bulletin.needs_compile or recompile or bulletin.compiled_at is None
    _queue(bulletin, Bulletin.State.COMPILING)
    action = BulletinEvent.Action.RECOMPILE if bulletin.needs_compile else BulletinEvent.Action.GENERATE
    _event(bulletin, action, by)
    return bulletin


def is_stale(bulletin: Bulletin) -> bool:
    return bulletin.is_pending and bulletin.updated_at < timezone.now() - STALE_AFTER


@transaction.atomic
def bulletin_retry(*, bulletin: Bulletin, by) -> Bulletin:
    """Run a failed job again (or one that stopped reporting): it compiles and renders a draft,
    or renders a published bulletin under the number it already has."""
    bulletin = _locked(bulletin)
    if not (bulletin.state == Bulletin.State.FAILED or is_stale(bulletin)):
        raise ValidationError(_("只有生成失败或长时间无响应的通报可以重试。"))
    state = Bulletin.State.PUBLISHING if bulletin.serial is not None else Bulletin.State.COMPILING
    _queue(bulletin, state)
    _event(bulletin, BulletinEvent.Action.RETRY, by)
    return bulletin


def next_number(bulletin: Bulletin) -> str:
    """The number publishing would give now (not reserved: another may take it first)."""
    year = today().year
    counter = BulletinCounter.objects.filter(prefix=bulletin.prefix, year=year).first()
    return document_number(bulletin.prefix, year, (counter.last if counter else 0) + 1)


@transaction.atomic
def bulletin_publish(*, bulletin: Bulletin, by) -> Bulletin:
    """Sign and issue the bulletin (签发): take the next number of the issuer's year under lock,
    freeze the text, and queue the final rendering (R-6.3; DESIGN.md invariant 5)."""
    bulletin = _locked(bulletin)  # the bulletin first, then the counter: always this order
    if bulletin.state != Bulletin.State.READY or bulletin.rendered_revision != bulletin.revision:
        raise ValidationError(_("只有已生成且核对无误的通报才能签发，请先生成。"))
    day = today()
    BulletinCounter.objects.bulk_create(
        [BulletinCounter(prefix=bulletin.prefix, year=day.year)], ignore_conflicts=True
    )
    counter = BulletinCounter.objects.select_for_update().get(prefix=bulletin.prefix, year=day.year)
    counter.last += 1
    counter.save(update_fields=["last"])
    bulletin.number_year, bulletin.serial = day.year, counter.last
    bulletin.number = document_number(bulletin.prefix, day.year, counter.last)
    bulletin.issued_on = day
    bulletin.published_at = timezone.now()
    bulletin.published_by = by
    _queue(bulletin, Bulletin.State.PUBLISHING)
    _event(bulletin, BulletinEvent.Action.PUBLISH, by, bulletin.number)
    return bulletin


@transaction.atomic
def bulletin_download_record(*, bulletin: Bulletin, user, address: str | None) -> BulletinDownload:
    """Log one download of the bulletin's current file (who, when, from where, which file)."""
    if not bulletin.has_file:
        raise ValidationError(_("通报文件尚未生成。"))
    return BulletinDownload.objects.create(
        bulletin=bulletin, user=user, address=address or None, checksum=bulletin.checksum
    )


def bulletins_create_scheduled(*, quarter: Quarter) -> list[Bulletin]:
    """After a quarter, a draft bulletin of the city and of each district, compiled at once so the
    office finds it ready to read (the beat schedule runs this). Running it again adds nothing."""
    created = []
    for district in [None, *District.objects.order_by("name")]:
        exists = Bulletin.objects.filter(
            origin=Bulletin.Origin.SCHEDULE,
            district=district,
            year=quarter.year,
            span=Span.QUARTER,
            part=quarter.number,
        ).exists()
        if exists:
            continue
        try:
            with transaction.atomic():
                bulletin = bulletin_create(
                    district=district,
                    span=Span.QUARTER,
                    year=quarter.year,
                    part=quarter.number,
                    origin=Bulletin.Origin.SCHEDULE,
                    by=None,
                )
                bulletin_generate(bulletin=bulletin, by=None, recompile=True)
        except (IntegrityError, ValidationError):  # a parallel run created it first
            if Bulletin.objects.filter(
                origin=Bulletin.Origin.SCHEDULE, district=district, year=quarter.year, part=quarter.number
            ).exists():
                continue
            raise
        created.append(bulletin)
    return created


# --- The job --------------------------------------------------------------------------------------


def _progress(pk: int, step: str, percent: int) -> None:
    """Report the job's step on the row (its own short transaction, so the page sees it now)."""
    Bulletin.objects.filter(pk=pk, state__in=Bulletin.PENDING).update(
        step=step, progress=percent, updated_at=timezone.now()
    )


def _start(pk: int) -> Bulletin | None:
    with transaction.atomic():
        bulletin = Bulletin.objects.select_for_update().filter(pk=pk).order_by("pk").first()
        if bulletin is None or bulletin.state not in Bulletin.PENDING:
            return None  # done already, or cancelled by an edit: a redelivery does nothing
        if bulletin.attempts >= MAX_DELIVERIES:
            # Every delivery so far died with its worker (out of memory, killed): stop the loop.
            with translation.override(settings.LANGUAGE_CODE):
                reason = _("生成任务已中断%(n)d次（后台进程被终止），已停止。请联系管理员后重试。") % {
                    "n": bulletin.attempts
                }
            bulletin_fail(bulletin_id=pk, reason=reason)
            return None
        bulletin.attempts += 1
        bulletin.job_started_at = timezone.now()
        bulletin.step, bulletin.progress = Bulletin.Step.QUEUED, 2
        bulletin.error = ""  # no longer waiting for the queue
        bulletin.save(update_fields=["attempts", "job_started_at", "step", "progress", "error", "updated_at"])
        return bulletin


def _store_compiled(pk: int, facts: dict, revision: int) -> bool:
    with transaction.atomic():
        bulletin = _locked(pk)
        if bulletin.state != Bulletin.State.COMPILING or bulletin.revision != revision:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            texts = compose(facts, period=bulletin.period_label)
        for name, text in texts.items():
            setattr(bulletin, name, text)
        bulletin.facts = facts
        bulletin.compiled_at = timezone.now()
        bulletin.needs_compile = False
        bulletin.revision += 1
        bulletin.step, bulletin.progress = Bulletin.Step.WRITING, 68
        bulletin.save()
        _event(bulletin, BulletinEvent.Action.COMPILED)
        return True


def _store_file(pk: int, pdf: bytes, revision: int) -> str:
    with transaction.atomic():
        bulletin = _locked(pk)
        if bulletin.state not in Bulletin.PENDING or bulletin.revision != revision:
            return "superseded"  # another run finished first, or the text changed meanwhile
        # A random name (issue 14 §1): neither the bulletin's id nor its number leads to its file.
        # One file per bulletin: the one this render replaces goes once the row points here.
        old = bulletin.file.name
        bulletin.file.name = default_storage.save(random_name("bulletins", ".pdf"), ContentFile(pdf))
        if old and old != bulletin.file.name:
            transaction.on_commit(lambda: default_storage.delete(old))
        bulletin.checksum = hashlib.sha256(pdf).hexdigest()
        bulletin.size = len(pdf)
        bulletin.rendered_revision = revision
        publishing = bulletin.state == Bulletin.State.PUBLISHING
        bulletin.state = Bulletin.State.PUBLISHED if publishing else Bulletin.State.READY
        bulletin.step, bulletin.progress = Bulletin.Step.DONE, 100
        bulletin.error = ""
        bulletin.job_finished_at = timezone.now()
        bulletin.save()
        _event(
            bulletin,
            BulletinEvent.Action.PUBLISHED if publishing else BulletinEvent.Action.RENDERED,
            note=bulletin.number,
        )
        return bulletin.state


def _test_pause() -> None:
    """Tests of a worker killed mid-render slow the render down with this setting. It exists
    only in the test worker's settings module; production never defines it."""
    seconds = getattr(settings, "BULLETIN_TEST_RENDER_PAUSE", 0)
    if seconds:
        time.sleep(seconds)


def render_pdf_html(bulletin: Bulletin) -> str:
    """The print template filled in, in Chinese whatever the page's language: the document is."""
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("pdf/bulletin.html", print_context(bulletin))


def bulletin_render_pdf(bulletin: Bulletin) -> bytes:
    """The bulletin as a PDF in the layout of Chinese official documents (GB/T 9704-2012), every
    resource it names going through the portal's locked-down URL fetcher."""
    return html_to_pdf(render_pdf_html(bulletin))


def bulletin_run(*, bulletin_id: int, render: Callable[[Bulletin], bytes] | None = None) -> str:
    """The job: compile when asked, render, store the file, mark ready or published. Safe to run
    again at any point; returns what became of the bulletin ("ready", "published", "skipped",
    "superseded" or "failed")."""
    started = _start(bulletin_id)
    if started is None:
        return "skipped"
    try:
        if started.state == Bulletin.State.COMPILING and started.needs_compile:
            facts = bulletin_facts(
                district=started.district,
                start=started.start,
                end=started.end,
                quarters=started.quarters,
                today=today(),
                progress=lambda step, percent: _progress(bulletin_id, step, percent),
            )
            if not _store_compiled(bulletin_id, facts, started.revision):
                return "superseded"
        bulletin = Bulletin.objects.select_related("district").get(pk=bulletin_id)
        if bulletin.state not in Bulletin.PENDING:
            return "skipped"
        _progress(bulletin_id, Bulletin.Step.RENDERING, 75)
        _test_pause()
        pdf = (render or bulletin_render_pdf)(bulletin)
        _progress(bulletin_id, Bulletin.Step.SAVING, 95)
        return _store_file(bulletin_id, pdf, bulletin.revision)
    except (OperationalError, InterfaceError, SoftTimeLimitExceeded):
        raise  # the task retries the first two with backoff and records the last as a failure
    except Exception as error:
        logger.exception("bulletin %s failed", bulletin_id)
        bulletin_fail(bulletin_id=bulletin_id, reason=describe(error))
        return "failed"


def describe(error: Exception) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        if isinstance(error, SoftTimeLimitExceeded):
            return _("生成超时，已停止。请重试；如反复超时，请联系管理员。")
        if isinstance(error, ResourceRefused):
            return _("文档引用了不允许的外部资源，已拒绝：%(detail)s") % {"detail": str(error)[:300]}
        if isinstance(error, (OperationalError, InterfaceError)):
            return _("数据库暂时不可用，多次重试后仍未成功：%(detail)s") % {"detail": str(error)[:300]}
        return _("生成时出错：%(kind)s %(detail)s") % {
            "kind": type(error).__name__,
            "detail": str(error)[:300],
        }


def bulletin_fail(*, bulletin_id: int, reason: str) -> bool:
    """Record why the job failed; the page shows it with a retry button."""
    with transaction.atomic():
        bulletin = Bulletin.objects.select_for_update().filter(pk=bulletin_id).order_by("pk").first()
        if bulletin is None or bulletin.state not in Bulletin.PENDING:
            return False
        bulletin.state = Bulletin.State.FAILED
        bulletin.step = Bulletin.Step.FAILED
        bulletin.error = reason
        bulletin.job_finished_at = timezone.now()
        bulletin.save()
        _event(bulletin, BulletinEvent.Action.FAILED, note=reason)
        return True


# --- The print context ----------------------------------------------------------------------------


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# A long paragraph is printed as runs of about this many characters (see `pieces`).
PIECE_CHARS = 240
PIECE_ENDS = "、，；。："
# Where a run may end: after one of those marks, unless the next character may not start a line.
PIECE_END = re.compile(r"[、，；。：](?![、，；。：）」』》〉？！…—])")


def pieces(line: str, size: int = PIECE_CHARS) -> list[str]:
    """One paragraph as consecutive runs of about `size` characters, each ending after a Chinese
    punctuation mark (none is cut elsewhere). The print template puts each run in its own <span>:
    the renderer splits a line off a run's remaining text, so one run of 70,000 characters (every
    unit of a city named in one paragraph) costs it time growing with the square of the length;
    runs keep it linear. The printed lines are the same: a line may break after those marks."""
    out, start = [], 0
    while len(line) - start > size:
        window = PIECE_END.finditer(line, start + 1, min(len(line), start + size + 1))
        ends = [m.end() for m in window if m.end() <= start + size]
        if not ends:
            later = PIECE_END.search(line, start + size)
            if later is None:
                break
            ends = [later.end()]
        out.append(line[start : ends[-1]])
        start = ends[-1]
    if start < len(line):
        out.append(line[start:])
    return out


def issuer_size(issuer: str) -> str:
    """The red issuer's font size in points ("27.5"): as large as fits the 156 mm type area on one
    line, never below 16 pt. A string, so no locale can put a comma into the CSS."""
    return f"{max(16.0, min(30.0, 430 / max(len(issuer), 1))):.1f}"


def print_context(bulletin: Bulletin) -> dict:
    with translation.override(settings.LANGUAGE_CODE):
        sections = [
            (_("一、总体情况"), paragraphs(bulletin.overview)),
            (_("二、通报表扬"), paragraphs(bulletin.praise)),
            (_("三、存在问题"), paragraphs(bulletin.problems)),
            (_("四、点评与工作要求"), paragraphs(bulletin.commentary)),
        ]
    return {
        "bulletin": bulletin,
        "draft": bulletin.serial is None,
        "sections": [(heading, [pieces(line) for line in lines]) for heading, lines in sections if lines],
        "streets": (bulletin.facts or {}).get("streets", []),
        "city": bulletin.district_id is None,
        "issuer_size": issuer_size(bulletin.issuer),
        "date": chinese_date(bulletin.issued_on or today()),
        "printed": "{0.year}年{0.month}月{0.day}日".format(bulletin.issued_on or today()),
    }


# --- Model cases (R-5.2) --------------------------------------------------------------------------


@transaction.atomic
def model_case_nominate(
    *, community: Community, unit: MemberUnit | None, title: str, story: str, occurred_on: date, by
) -> ModelCase:
    """Staff nominate a good practice of a community (or one of its member units) for the bulletins
    of its period (培育好的典型, R-5.2)."""
    if occurred_on > today():
        raise ValidationError({"occurred_on": _("事迹时间不能晚于今天。")})
    if unit is not None and not unit.memberships.filter(council__community=community).exists():
        raise ValidationError({"unit": _("所选成员单位不在该社区的共建理事会中。")})
    case = ModelCase(
        community=community,
        unit=unit,
        title=title.strip(),
        story=story.strip(),
        occurred_on=occurred_on,
        nominated_by=by,
    )
    case.full_clean()
    case.save()
    return case


@transaction.atomic
def model_case_withdraw(*, case: ModelCase, reason: str, by) -> ModelCase:
    """Withdraw a nomination, with the reason; it is kept and no longer compiled into bulletins."""
    case = ModelCase.objects.select_for_update().order_by().get(pk=case.pk)
    if case.status == ModelCase.Status.WITHDRAWN:
        raise ValidationError(_("该典型已撤回。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写撤回原因。")})
    case.status = ModelCase.Status.WITHDRAWN
    case.withdrawn_reason = reason.strip()
    case.save(update_fields=["status", "withdrawn_reason"])
    return case
