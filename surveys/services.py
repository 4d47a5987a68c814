"""Every write of the surveys (R-6.2): questionnaire versions and their questions, rounds, and a
resident's answers. Keyword-only, atomic, refusals as ValidationError in Chinese."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from councils.models import Community
from councils.periods import today

from . import bursts, guard
from .defaults import DEFAULT_QUESTIONS, QUESTIONNAIRE_NAME, QUESTIONNAIRE_NOTE
from .models import DEFAULT_MIN_SAMPLE, Answer, Question, Questionnaire, Rate, Response, Round

ALREADY_ANSWERED = "already_answered"
ROUND_CLOSED = "round_closed"
NO_DEVICE = "no_device"

# Seven or more digits in a row (spaces and dashes allowed between them), with an ID number's
# closing X: phone numbers, landlines and ID numbers a resident typed despite being asked not to.
PERSONAL_NUMBER = re.compile(r"(?<!\d)(?:\d[ \-]?){6,}\d[Xx]?(?!\d)")


def redact(text: str) -> str:
    """Free text without phone or ID numbers: the export and the pages stay anonymous."""
    return PERSONAL_NUMBER.sub("***", text).strip()


# --- Questionnaires ------------------------------------------------------------------------------------


def questionnaire_ensure_default() -> Questionnaire:
    """The newest questionnaire; the one that ships with the portal when there is none (a
    database emptied by hand or by a test keeps working)."""
    latest = Questionnaire.objects.order_by("-version").first()
    if latest is not None:
        return latest
    questionnaire = Questionnaire.objects.create(name=QUESTIONNAIRE_NAME, version=1, note=QUESTIONNAIRE_NOTE)
    Question.objects.bulk_create(
        Question(
            questionnaire=questionnaire,
            order=order,
            rate=rate,
            kind=kind,
            text=text,
            options=list(options),
            positive_options=positive,
            required=required,
        )
        for order, (rate, kind, text, options, positive, required) in enumerate(DEFAULT_QUESTIONS, 1)
    )
    return questionnaire


@transaction.atomic
def questionnaire_revise(*, source: Questionnaire, note: str, by) -> Questionnaire:
    """A new version with the questions of `source`, to be edited before a round uses it."""
    # The highest version is read under a lock so two revisions cannot take the same number.
    list(Questionnaire.objects.select_for_update().order_by("-version").values_list("pk", flat=True)[:1])
    version = (Questionnaire.objects.aggregate(top=Max("version"))["top"] or 0) + 1
    questionnaire = Questionnaire.objects.create(
        name=source.name, version=version, note=note.strip(), created_by=by
    )
    Question.objects.bulk_create(
        Question(
            questionnaire=questionnaire,
            order=q.order,
            rate=q.rate,
            kind=q.kind,
            text=q.text,
            options=list(q.options),
            positive_options=q.positive_options,
            required=q.required,
        )
        for q in source.questions.all()
    )
    return questionnaire


@transaction.atomic
def question_save(*, question: Question, by) -> Question:
    """Add or change a question of a version no round has used yet."""
    questionnaire = Questionnaire.objects.select_for_update().get(pk=question.questionnaire_id)
    if questionnaire.is_frozen:
        raise ValidationError(
            _("问卷第%(version)d版已被调查轮次使用，不能再修改；请修订为新版本。")
            % {"version": questionnaire.version}
        )
    question.full_clean()
    question.save()
    return question


# --- Rounds ----------------------------------------------------------------------------------------------


def _check_round(round: Round) -> None:
    round.full_clean(exclude=["created_by"])
    missing = round.questionnaire.missing_rates()
    if missing:
        raise ValidationError(
            {
                "questionnaire": _("该版问卷缺少以下指标的题目：%(rates)s。")
                % {"rates": "、".join(str(Rate(r).label) for r in missing)}
            }
        )
    overlapping = (
        Round.objects.exclude(pk=round.pk)
        .filter(opens_on__lte=round.closes_on, closes_on__gte=round.opens_on)
        .first()
    )
    if overlapping is not None:
        raise ValidationError(
            {
                "opens_on": _("与“%(name)s”（%(start)s 至 %(end)s）的时间重叠；同一时间只能有一轮调查。")
                % {
                    "name": overlapping.name,
                    "start": overlapping.opens_on.isoformat(),
                    "end": overlapping.closes_on.isoformat(),
                }
            }
        )


@transaction.atomic
def round_create(
    *,
    name: str,
    opens_on: date,
    closes_on: date,
    questionnaire: Questionnaire | None = None,
    min_sample: int = DEFAULT_MIN_SAMPLE,
    by,
) -> Round:
    """Open a round for the whole city (R-6.2). Rounds never overlap, so a community's page
    always knows which round it is collecting for."""
    # Rounds are few and set by one office: a table lock keeps two overlapping ones out.
    list(Round.objects.select_for_update().values_list("pk", flat=True))
    round = Round(
        name=name.strip(),
        opens_on=opens_on,
        closes_on=closes_on,
        questionnaire=questionnaire or questionnaire_ensure_default(),
        min_sample=min_sample,
        created_by=by,
    )
    _check_round(round)
    round.save()
    return round


@transaction.atomic
def round_update(*, round: Round, by, **changes) -> Round:
    """Change a round's name, dates or smallest sample; its questionnaire only while it has no
    answers (the answers point at that version's questions)."""
    round = Round.objects.select_for_update().get(pk=round.pk)
    list(Round.objects.select_for_update().values_list("pk", flat=True))
    new_questionnaire = changes.get("questionnaire")
    if (
        new_questionnaire is not None
        and new_questionnaire.pk != round.questionnaire_id
        and round.responses.exists()
    ):
        raise ValidationError({"questionnaire": _("本轮已有答卷，不能更换问卷版本。")})
    for field, value in changes.items():
        setattr(round, field, value.strip() if isinstance(value, str) else value)
    _check_round(round)
    round.save()
    return round


# --- Answers -------------------------------------------------------------------------------------------


def clean_answers(questions: list[Question], raw: dict[int, object]) -> dict[int, tuple[int | None, str]]:
    """(choice, text) per question id, checked against the questions; refuses what is missing or
    out of range. Free text loses phone and ID numbers here."""
    errors: dict[str, str] = {}
    cleaned: dict[int, tuple[int | None, str]] = {}
    for q in questions:
        value = raw.get(q.pk)
        field = f"q{q.pk}"
        if q.kind == Question.Kind.TEXT:
            text = redact(str(value or ""))[: Question.TEXT_LENGTH]
            if text:
                cleaned[q.pk] = (None, text)
            elif q.required:
                errors[field] = _("请填写这一题。")
            continue
        if value in (None, ""):
            if q.required:
                errors[field] = _("请选择一项。")
            continue
        try:
            choice = int(value)
        except (TypeError, ValueError):
            choice = -1
        if not 0 <= choice < len(q.options):
            errors[field] = _("请从给出的选项中选择。")
            continue
        cleaned[q.pk] = (choice, "")
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def response_submit(
    *,
    round: Round,
    community: Community,
    answers: dict[int, object],
    device_token: str | None,
    address: str = "",
    on: date | None = None,
) -> Response:
    """A resident's anonymous answers (R-6.2). Refused when the round is not open, when the
    browser brought no device token, and when this device already answered in this round, which
    the database enforces too (`response_once_per_device`), so two taps at once count once."""
    day = on or today()
    if not round.is_open_on(day):
        message = (
            _("本轮调查将于 %(date)s 开始，请届时再来填写。") % {"date": round.opens_on.isoformat()}
            if day < round.opens_on
            else _("本轮调查已于 %(date)s 结束，感谢您的关注。") % {"date": round.closes_on.isoformat()}
        )
        raise ValidationError(message, code=ROUND_CLOSED)
    if not device_token:
        raise ValidationError(
            _("无法识别您的设备：请允许浏览器保存 Cookie，重新打开本页后再提交。"), code=NO_DEVICE
        )
    questions = list(round.questionnaire.questions.all())
    cleaned = clean_answers(questions, answers)
    device = guard.device_hash(round.pk, device_token)
    already = ValidationError(
        _("这台设备已经参与过本轮调查，每台设备每轮只能填写一次。感谢您的支持！"), code=ALREADY_ANSWERED
    )
    if Response.objects.filter(round=round, device_hash=device).exists():
        raise already
    # One community's answers are judged one at a time, so two of a burst cannot both see a
    # quiet hour (no_key: the answers' foreign keys to the community still go in alongside).
    list(Community.objects.select_for_update(no_key=True).filter(pk=community.pk).values_list("pk"))
    now = timezone.now()
    limit = bursts.burst_limit(round=round, community=community, at=now)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                round=round,
                community=community,
                submitted_at=now,
                device_hash=device,
                address_hash=guard.address_hash(round.pk, address),
            )
    except IntegrityError:
        raise already from None
    Answer.objects.bulk_create(
        Answer(response=response, question_id=pk, choice=choice, text=text)
        for pk, (choice, text) in cleaned.items()
    )
    bursts.hold_if_burst(response, limit=limit)
    return response


# --- Review of held answers ----------------------------------------------------------------------


ACCEPT = "accept"
REJECT = "reject"


@transaction.atomic
def responses_review(*, community: Community, responses: list[int], decision: str, by) -> int:
    """Accept (they count from now on) or reject (they never count) answers of `community` held
    as a burst (issue 14 §6), recording who decided and when. Answers no longer held (another
    reviewer was quicker) are left as they are; returns how many were decided here."""
    if decision not in (ACCEPT, REJECT):
        raise ValidationError(_("请选择采纳或剔除。"))
    held = Response.objects.select_for_update().filter(
        community=community, state=Response.State.HELD, pk__in=responses
    )
    state = Response.State.ACCEPTED if decision == ACCEPT else Response.State.REJECTED
    return held.update(state=state, reviewed_by=by, reviewed_at=timezone.now())
