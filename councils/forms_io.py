"""The upload form of the member-unit import, and the filters of the task export (issue 3 §7).
Every choice is scoped to the user, as on the list pages."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .exports import XLSX_CONTENT_TYPE
from .forms_plans import TaskFilter
from .imports import MAX_BYTES, MAX_ROWS


class UnitImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("最大 %(mb)d MB，最多 %(rows)d 行。") % {
            "mb": MAX_BYTES // (1024 * 1024),
            "rows": MAX_ROWS,
        }


class TaskExportFilter(TaskFilter):
    """The task list's filters, and the year the tasks fall due."""

    year = django_filters.NumberFilter(label=_("年度"), field_name="due_on", lookup_expr="year")

    class Meta(TaskFilter.Meta):
        fields = [*TaskFilter.Meta.fields, "year"]
