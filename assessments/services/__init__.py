"""Every write of the assessments app (STYLE.md: one service per action)."""

from .points import point_record, points_derive, points_of
from .results import competition_ranks, grade_for, results_compute
from .setup import (
    criterion_delete,
    criterion_save,
    current_rubric,
    defaults_ensure,
    period_close,
    period_open,
    period_sync,
    point_rule_update,
    rubric_is_frozen,
    rubric_revise,
)
from .workflow import (
    Entry,
    assessment_adjust,
    assessment_confirm,
    assessment_prefill,
    assessment_publish,
    assessment_return,
    assessment_score,
    assessment_submit,
    assessments_confirm_many,
    assessments_publish_many,
)

__all__ = [
    "Entry",
    "assessment_adjust",
    "assessment_confirm",
    "assessment_prefill",
    "assessment_publish",
    "assessment_return",
    "assessment_score",
    "assessment_submit",
    "assessments_confirm_many",
    "assessments_publish_many",
    "competition_ranks",
    "criterion_delete",
    "criterion_save",
    "current_rubric",
    "defaults_ensure",
    "grade_for",
    "period_close",
    "period_open",
    "period_sync",
    "point_record",
    "point_rule_update",
    "points_derive",
    "points_of",
    "results_compute",
    "rubric_is_frozen",
    "rubric_revise",
]
