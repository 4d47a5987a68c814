"""Admin for superusers: read-only views of the assessment records. Every change goes through
the portal's pages and services, which freeze rubrics, keep the workflow and record who did
what (R-1.9, R-1.10)."""

from django.contrib import admin

from .models import Assessment, PointEvent, PointRule, RankingReport, Result, Rubric


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Rubric)
class RubricAdmin(ReadOnly):
    list_display = ["name", "version", "created_at"]


@admin.register(PointRule)
class PointRuleAdmin(ReadOnly):
    list_display = ["code", "points", "active"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnly):
    list_display = ["period", "council", "unit", "status", "rubric_score", "adjustment_total"]
    list_filter = ["period", "status"]
    list_select_related = ["period", "council", "unit"]
    search_fields = ["unit__name", "council__name"]


@admin.register(PointEvent)
class PointEventAdmin(ReadOnly):
    list_display = ["unit", "occurred_on", "points", "rule", "reason"]
    list_filter = ["year", "half", "rule"]
    list_select_related = ["unit", "rule"]


@admin.register(Result)
class ResultAdmin(ReadOnly):
    list_display = ["period", "unit", "final_score", "grade", "rank_city", "civilized"]
    list_filter = ["period", "grade", "civilized"]
    list_select_related = ["period", "unit"]


@admin.register(RankingReport)
class RankingReportAdmin(ReadOnly):
    list_display = ["period", "level", "state", "requested_at"]
    list_select_related = ["period"]
    exclude = ["file"]  # the admin would link it under /media/, which is not served (issue 14 §1)
