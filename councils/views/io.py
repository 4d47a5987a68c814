"""Import of member units and their seats from an .xlsx sheet, the import template, and the
.xlsx exports of the unit, council, meeting and task lists (issue 3 §7, R-1.3).

Exports take the same GET parameters as the list pages and the same scope (`visible_to`), and
read a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

from operator import attrgetter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from .. import filtersets, forms_io, forms_meetings, forms_plans, imports, selectors
from ..exports import XLSX_CONTENT_TYPE, XlsxExportMixin, content_disposition
from ..models import Council, Meeting, MemberUnit, Resolution, Task
from ..periods import Quarter
from ..roles import Capability
from .base import ScopedListView, ScopedMixin

# How many problems the page lists; the count of all of them is shown above the table.
ERRORS_SHOWN = 1000


class UnitImportView(ScopedMixin, FormView):
    """Upload a sheet: every problem of every row is listed, and nothing is saved unless the
    whole sheet is clean."""

    capability = Capability.MANAGE_UNITS
    template_name = "councils/unit_import.html"
    form_class = forms_io.UnitImportForm

    def form_valid(self, form):
        user = self.request.user
        upload = form.cleaned_data["file"]
        try:
            sheet = imports.units_parse(file=upload, user=user)
        except ValidationError as error:
            form.add_error("file", error)
            return self.form_invalid(form)
        errors = sheet.errors
        if not errors:
            try:
                result = imports.units_import(rows=sheet.rows, by=user)
            except imports.SheetInvalid as error:
                errors = error.errors
            else:
                messages.success(
                    self.request,
                    _("已导入 %(units)d 个成员单位、%(seats)d 个理事会席位。")
                    % {"units": result.units, "seats": result.seats},
                )
                return redirect("unit_list")
        return self.render_to_response(
            self.get_context_data(
                form=form,
                errors=errors[:ERRORS_SHOWN],
                n_errors=len(errors),
                n_error_rows=len({e.row for e in errors}),
                n_rows=sheet.data_rows,
                file_name=upload.name,
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["headers"] = imports.HEADERS
        context["required_headers"] = imports.REQUIRED_HEADERS
        context["kinds"] = [k for k in imports.kind_choices() if k not in imports.KIND_ALIASES]
        context["positions"] = list(imports.position_choices())
        context["max_rows"] = imports.MAX_ROWS
        context["max_mb"] = imports.MAX_BYTES // (1024 * 1024)
        return context


class UnitImportTemplateView(ScopedMixin, View):
    capability = Capability.MANAGE_UNITS

    def get(self, request, *args, **kwargs):
        response = HttpResponse(imports.template_workbook(user=request.user), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition(_("成员单位导入模板") + ".xlsx")
        return response


# --- Exports ------------------------------------------------------------------------------------


def _display(field: str):
    """The Chinese label of a choice field, as the list pages show it."""
    return lambda obj: getattr(obj, f"get_{field}_display")()


class ExportView(XlsxExportMixin, ScopedListView):
    """A list exported as .xlsx at its own URL, with the filters of the list page."""

    export_always = True


class MemberUnitExportView(ExportView):
    model = MemberUnit
    filterset_class = filtersets.MemberUnitFilter
    export_title = gettext_lazy("成员单位")

    def get_queryset(self):
        user = self.request.user
        # Phone numbers in full only for units the user manages; masked otherwise (138****1234).
        managed = MemberUnit.objects.visible_to(user, Capability.MANAGE_UNITS).filter(pk=OuterRef("pk"))
        return selectors.units_with_counts(super().get_queryset()).annotate(phone_in_full=Exists(managed))

    def get_export_columns(self):
        return [
            (_("单位名称"), attrgetter("name")),
            (_("单位类型"), _display("kind")),
            (_("统一社会信用代码"), attrgetter("credit_code")),
            (_("所属区"), attrgetter("street.district.name")),
            (_("驻在街道/镇"), attrgetter("street.name")),
            (_("地址"), attrgetter("address")),
            (_("联系人"), attrgetter("contact_person")),
            (_("联系电话"), lambda u: u.contact_phone if u.phone_in_full else u.masked_phone),
            (_("状态"), _display("status")),
            (_("所在理事会数"), attrgetter("n_councils")),
        ]


class CouncilExportView(ExportView):
    model = Council
    filterset_class = filtersets.CouncilFilter
    export_title = gettext_lazy("共建理事会")

    def get_queryset(self):
        return selectors.councils_with_counts(super().get_queryset())

    def get_export_columns(self):
        return [
            (_("理事会"), attrgetter("name")),
            (_("所属区"), attrgetter("community.street.district.name")),
            (_("街道/镇"), attrgetter("community.street.name")),
            (_("社区"), attrgetter("community.name")),
            (_("理事长"), attrgetter("chair")),
            (_("秘书长"), attrgetter("secretary_general")),
            (_("本届起始日期"), attrgetter("term_start")),
            (_("本届截止日期"), attrgetter("term_end")),
            (_("法定人数规则"), _display("quorum_rule")),
            (_("现有成员单位数"), attrgetter("n_members")),
            (_("楼栋数"), attrgetter("n_buildings")),
            (_("状态"), _display("status")),
        ]


class MeetingExportView(ExportView):
    """The meeting list's filters: ?council=<id>&year=2026&quarter=1&kind=regular&status=held."""

    model = Meeting
    filterset_class = forms_meetings.MeetingFilter
    export_title = gettext_lazy("理事会会议")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("council__community__street")
            .annotate(
                n_resolutions=selectors.count_of(
                    Resolution.objects.exclude(outcome=Resolution.Outcome.WITHDRAWN), "meeting"
                )
            )
            .order_by("council__name", "-held_at")
        )

    def get_export_columns(self):
        return [
            (_("理事会"), attrgetter("council.name")),
            (_("街道/镇"), attrgetter("council.community.street.name")),
            (_("会议时间"), attrgetter("held_at")),
            (_("季度"), lambda m: str(Quarter.of(m.held_at))),
            (_("会议类型"), _display("kind")),
            (_("会议地点"), attrgetter("place")),
            (_("状态"), _display("status")),
            (_("应到单位数"), attrgetter("eligible_count")),
            (_("实到单位数"), attrgetter("present_count")),
            (_("达到法定人数"), attrgetter("quorum_met")),
            (_("决议数"), attrgetter("n_resolutions")),
        ]


class TaskExportView(ExportView):
    """The task list's filters and the year due: ?council=<id>&year=2026&status=open&overdue=true."""

    model = Task
    filterset_class = forms_io.TaskExportFilter
    export_title = gettext_lazy("共建任务")

    def get_queryset(self):
        return forms_plans.tasks_for_list(super().get_queryset()).select_related("council__community__street")

    def get_export_columns(self):
        overdue = _("已逾期")
        return [
            (_("理事会"), attrgetter("council.name")),
            (_("街道/镇"), attrgetter("council.community.street.name")),
            (_("任务"), attrgetter("title")),
            (_("责任单位"), attrgetter("assignee.name")),
            (_("依据决议"), lambda t: f"{t.resolution.number} {t.resolution.title}"),
            (_("完成时限"), attrgetter("due_on")),
            (_("状态"), lambda t: overdue if t.overdue else t.get_status_display()),
            (_("进度(%)"), attrgetter("progress")),
            (_("完成日期"), attrgetter("done_on")),
        ]


urlpatterns = [
    path("units/import/", UnitImportView.as_view(), name="unit_import"),
    path("units/import/template.xlsx", UnitImportTemplateView.as_view(), name="unit_import_template"),
    path("units/export.xlsx", MemberUnitExportView.as_view(), name="unit_export"),
    path("councils/export.xlsx", CouncilExportView.as_view(), name="council_export"),
    path("meetings/export.xlsx", MeetingExportView.as_view(), name="meeting_export"),
    path("tasks/export.xlsx", TaskExportView.as_view(), name="task_export"),
]
