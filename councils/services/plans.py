"""Plans with solicited opinions, approved by a carried resolution (R-1.4), and the tasks that
resolutions assign to member units (R-1.1)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Council, CouncilTerm, MemberUnit, Plan, PlanOpinion, Resolution, Task, TaskProgress
from ..periods import today
from .history import changed, history_record, snapshot

PLAN_FIELDS = ["kind", "year", "title", "content", "status"]


@transaction.atomic
def plan_create(
    *,
    council: Council,
    kind: str,
    title: str,
    content: str,
    year: int | None = None,
    term: CouncilTerm | None = None,
    by,
) -> Plan:
    if kind == Plan.Kind.ANNUAL and not year:
        raise ValidationError({"year": _("年度计划需要填写年度。")})
    if term is not None and term.council_id != council.pk:
        raise ValidationError({"term": _("届期不属于本理事会。")})
    plan = Plan(council=council, kind=kind, year=year, term=term, title=title, content=content, created_by=by)
    plan.full_clean()
    plan.save()
    history_record(obj=plan, action="drafted", by=by, changes=snapshot(plan, PLAN_FIELDS))
    return plan


@transaction.atomic
def plan_update(*, plan: Plan, title: str, content: str, year: int | None = None, by) -> Plan:
    """Edit the text while it is a draft or open for opinions; an approved plan is fixed."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status not in (Plan.Status.DRAFT, Plan.Status.SOLICITING):
        raise ValidationError(_("规划已经理事会通过，不能再修改内容。"))
    before = snapshot(plan, PLAN_FIELDS)
    plan.title, plan.content = title, content
    if plan.kind == Plan.Kind.ANNUAL:
        plan.year = year
    plan.full_clean()
    plan.save()
    diff = changed(before, snapshot(plan, PLAN_FIELDS))
    if diff:
        history_record(obj=plan, action="updated", by=by, changes=diff)
    return plan


@transaction.atomic
def plan_transition(
    *, plan: Plan, to: str, by, resolution: Resolution | None = None, reason: str = ""
) -> Plan:
    """Move a plan along draft → soliciting → approved → in force (R-1.4). Approval names a
    carried resolution of the same council taken after opinions were solicited."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if to not in Plan.TRANSITIONS[plan.status]:
        raise ValidationError(
            _("规划当前为“%(from)s”，不能变为“%(to)s”。")
            % {"from": plan.get_status_display(), "to": Plan.Status(to).label}
        )
    if to == Plan.Status.APPROVED:
        if resolution is None:
            raise ValidationError({"resolution": _("通过规划需要选择理事会的决议。")})
        if resolution.council_id != plan.council_id:
            raise ValidationError({"resolution": _("只能选择本理事会的决议。")})
        if not resolution.authorises:
            raise ValidationError(
                {
                    "resolution": _("决议“%(r)s”%(outcome)s，不能批准规划。")
                    % {"r": resolution, "outcome": resolution.get_outcome_display()}
                }
            )
        if not plan.opinions.exists():
            raise ValidationError(_("规划尚未收到任何意见：请先广泛征求意见。"))
        if plan.opinions.filter(adopted__isnull=True).exists():
            raise ValidationError(_("还有意见未答复是否采纳，请先逐条处理。"))
        plan.approved_by = resolution
    if to == Plan.Status.WITHDRAWN:
        if not reason.strip():
            raise ValidationError({"reason": _("请填写撤回原因。")})
        plan.withdrawn_reason = reason.strip()
    before = plan.status
    plan.status = to
    plan.full_clean()
    plan.save()
    history_record(
        obj=plan,
        action="status",
        by=by,
        changes={"status": [before, to], **({"resolution": str(resolution)} if resolution else {})},
    )
    return plan


@transaction.atomic
def opinion_record(
    *, plan: Plan, source: str, source_name: str, content: str, received_on: date, by
) -> PlanOpinion:
    """Take in an opinion while the plan is open for them (R-1.2, R-1.4)."""
    if plan.status != Plan.Status.SOLICITING:
        raise ValidationError(_("规划不在征求意见阶段，不能再登记意见。"))
    if received_on > today():
        raise ValidationError({"received_on": _("收到日期不能晚于今天。")})
    opinion = PlanOpinion(
        plan=plan,
        source=source,
        source_name=source_name,
        content=content,
        received_on=received_on,
        created_by=by,
    )
    opinion.full_clean()
    opinion.save()
    return opinion


@transaction.atomic
def opinion_decide(*, opinion: PlanOpinion, adopted: bool, reason: str, by) -> PlanOpinion:
    if opinion.plan.status not in (Plan.Status.SOLICITING, Plan.Status.DRAFT):
        raise ValidationError(_("规划已通过，意见答复不能再修改。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请写明采纳或不采纳的理由。")})
    opinion.adopted, opinion.reason = adopted, reason.strip()
    opinion.full_clean()
    opinion.save()
    history_record(
        obj=opinion.plan,
        action="opinion",
        by=by,
        changes={"opinion": opinion.source_name, "adopted": adopted, "reason": opinion.reason},
    )
    return opinion


@transaction.atomic
def task_create(
    *, resolution: Resolution, title: str, assignee: MemberUnit, due_on: date, description: str = "", by
) -> Task:
    """Assign a task decided by a carried resolution to a current member unit (R-1.1, R-1.2)."""
    if not resolution.authorises:
        raise ValidationError(
            {
                "resolution": _("决议“%(r)s”%(outcome)s，不能据此部署任务。")
                % {"r": resolution, "outcome": resolution.get_outcome_display()}
            }
        )
    if not resolution.council.memberships.filter(unit=assignee, left_on__isnull=True).exists():
        raise ValidationError({"assignee": _("责任单位必须是本理事会的现任成员单位。")})
    if due_on < timezone.localdate(resolution.meeting.held_at):
        raise ValidationError({"due_on": _("完成时限不能早于作出决议的会议日期。")})
    task = Task(
        council=resolution.council,
        resolution=resolution,
        title=title,
        description=description,
        assignee=assignee,
        due_on=due_on,
        created_by=by,
    )
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def task_progress_record(*, task: Task, percent: int, note: str, reported_on: date, by) -> TaskProgress:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != Task.Status.OPEN:
        raise ValidationError(_("任务已%(status)s，不能再填报进展。") % {"status": task.get_status_display()})
    if reported_on > today():
        raise ValidationError({"reported_on": _("填报日期不能晚于今天。")})
    update = TaskProgress(task=task, percent=percent, note=note, reported_on=reported_on, created_by=by)
    update.full_clean()
    update.save()
    task.progress = percent
    task.save(update_fields=["progress"])
    return update


@transaction.atomic
def task_complete(*, task: Task, done_on: date, note: str = "", by) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != Task.Status.OPEN:
        raise ValidationError(_("任务已%(status)s。") % {"status": task.get_status_display()})
    if done_on > today():
        raise ValidationError({"done_on": _("完成日期不能晚于今天。")})
    TaskProgress.objects.create(
        task=task, percent=100, note=note or _("任务完成"), reported_on=done_on, created_by=by
    )
    task.status, task.done_on, task.progress = Task.Status.DONE, done_on, 100
    task.save(update_fields=["status", "done_on", "progress"])
    return task


@transaction.atomic
def task_cancel(*, task: Task, reason: str, by) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != Task.Status.OPEN:
        raise ValidationError(_("任务已%(status)s。") % {"status": task.get_status_display()})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写取消原因。")})
    TaskProgress.objects.create(
        task=task,
        percent=task.progress,
        note=_("任务取消：%(r)s") % {"r": reason},
        reported_on=today(),
        created_by=by,
    )
    task.status = Task.Status.CANCELLED
    task.save(update_fields=["status"])
    return task
