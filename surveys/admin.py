"""Admin for superusers: read-only views of the survey records. Rounds and questionnaire versions
change only through the portal's pages and services (which freeze a version once used); answers
are never edited, and the admin shows no device or address hash."""

from django.contrib import admin

from .models import Questionnaire, Response, Round


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnly):
    list_display = ["name", "version", "created_at"]


@admin.register(Round)
class RoundAdmin(ReadOnly):
    list_display = ["name", "questionnaire", "opens_on", "closes_on", "min_sample"]
    list_select_related = ["questionnaire"]


@admin.register(Response)
class ResponseAdmin(ReadOnly):
    list_display = ["round", "community", "submitted_at", "state"]
    list_filter = ["round", "state"]
    list_select_related = ["round", "community"]
    fields = ["round", "community", "submitted_at", "state", "hold_reason", "reviewed_by", "reviewed_at"]
