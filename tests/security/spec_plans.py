"""Access matrix entries for the views in councils/views/plans.py (R-1.4, R-1.1).

Reading is scope alone; drafting, approving and answering opinions on plans and deploying,
completing and cancelling tasks are the council secretary's; progress is reported by the
secretary or by the contact of the unit the task is assigned to (side A's task is assigned to
side A's unit, so its contact reaches it)."""

from councils.roles import Role

from .matrix import SECRETARY, View

REPORTERS = SECRETARY | {Role.UNIT_CONTACT}

SPEC: dict = {
    "plan_list": View(),
    "plan_create": View("council", allowed=SECRETARY),
    "plan_detail": View("plan"),
    "plan_update": View("plan", allowed=SECRETARY),
    "plan_transition": View("plan", allowed=SECRETARY),
    "planopinion_create": View("plan", allowed=SECRETARY),
    "planopinion_decide": View("opinion", allowed=SECRETARY),
    "task_list": View(),
    "task_create": View("resolution", allowed=SECRETARY),
    "task_detail": View("task"),
    "taskprogress_create": View("task", allowed=REPORTERS),
    "task_complete": View("task", allowed=SECRETARY),
    "task_cancel": View("task", allowed=SECRETARY),
}
