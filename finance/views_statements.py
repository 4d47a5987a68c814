"""A council's fund statement for a period (issue 4 §7; R-1.5, R-1.6): opening balance, income by
source, spending by category, closing balance and the period's entries — on screen, as an .xlsx
workbook (summary and entries) and as a PDF with every total also in capital numerals.

The council comes from `Council.objects.visible_to(user)`: another council's statement is a 404
in all three forms. The figures are finance.selectors.fund_statement's; nothing is computed here.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from councils import selectors as council_selectors
from councils.exports import (
    MAX_WIDTH,
    MIN_WIDTH,
    SHEET_TITLE_FORBIDDEN,
    XLSX_CONTENT_TYPE,
    cell_value,
    content_disposition,
    display_width,
)
from councils.models import Council
from councils.pdf import render_pdf
from councils.periods import Quarter, today
from councils.views.base import LoadsObject, ScopedMixin

from .numerals import to_capital
from .selectors import Statement, fund_statement

MONEY_FORMAT = "#,##0.00"
# The PDF is rendered within the request; beyond this many entries it would keep the user waiting.
MAX_PDF_ENTRIES = 1000


# --- The period ---------------------------------------------------------------------------------


def presets(day: date) -> list[tuple[str, date, date]]:
    """(label, start, end) of the periods offered as one-click choices."""
    quarter = Quarter.of(day)
    return [
        (_("本年度"), date(day.year, 1, 1), day),
        (_("上年度"), date(day.year - 1, 1, 1), date(day.year - 1, 12, 31)),
        (_("本季度"), quarter.first_day, day),
    ]


class PeriodForm(forms.Form):
    """?start=YYYY-MM-DD&end=YYYY-MM-DD; either left out means this year to today."""

    start = forms.DateField(
        label=gettext_lazy("起始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("截止日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )

    def clean(self):
        data = super().clean()
        day = today()
        data["start"] = data.get("start") or date(day.year, 1, 1)
        data["end"] = data.get("end") or day
        if data["start"] > data["end"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        return data


# --- The views ----------------------------------------------------------------------------------


class StatementMixin(ScopedMixin, LoadsObject):
    """Loads the council from the user's scope and the period from the query string."""

    def load(self) -> None:
        self.council = get_object_or_404(
            self.scoped(Council).select_related("community__street__district"), pk=self.kwargs["pk"]
        )
        self.period_form = PeriodForm(self.request.GET)
        self.period_ok = self.period_form.is_valid()

    def statement(self) -> Statement:
        data = self.period_form.cleaned_data
        return fund_statement(self.council, data["start"], data["end"])

    def statement_context(self, statement: Statement) -> dict[str, Any]:
        return {
            "council": self.council,
            "statement": statement,
            "capitals": {
                "opening": to_capital(statement.opening),
                "income": to_capital(statement.total_income),
                "spending": to_capital(statement.total_spending),
                "closing": to_capital(statement.closing),
            },
            "generated_at": timezone.localtime(),
        }

    def file_stem(self, statement: Statement) -> str:
        return _("%(council)s资金收支报表_%(start)s-%(end)s") % {
            "council": self.council.name,
            "start": statement.start.strftime("%Y%m%d"),
            "end": statement.end.strftime("%Y%m%d"),
        }

    def bad_period(self) -> HttpResponse:
        return HttpResponseBadRequest(
            " ".join(self.period_form.non_field_errors() or [_("日期格式不正确。")])
        )


class StatementView(StatementMixin, TemplateView):
    """The statement on screen, with the period's presets; ?format=xlsx downloads it."""

    template_name = "finance/statement.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx":
            if not self.period_ok:
                return self.bad_period()
            return self.xlsx(self.statement())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            council=self.council,
            form=self.period_form,
            breadcrumbs=council_selectors.breadcrumbs(self.request.user, self.council),
            presets=[
                (label, urlencode({"start": start.isoformat(), "end": end.isoformat()}))
                for label, start, end in presets(today())
            ],
        )
        if self.period_ok:
            statement = self.statement()
            context.update(self.statement_context(statement))
            # Show the period in effect, the default one included.
            context["form"] = PeriodForm(initial={"start": statement.start, "end": statement.end})
            context["period_query"] = urlencode(
                {"start": statement.start.isoformat(), "end": statement.end.isoformat()}
            )
        return context

    def xlsx(self, statement: Statement) -> HttpResponse:
        summary = [
            (_("理事会"), self.council.name, ""),
            (_("期间"), f"{statement.start.isoformat()} — {statement.end.isoformat()}", ""),
            (_("期初余额"), statement.opening, to_capital(statement.opening)),
            *((_("收入：%(source)s") % {"source": s}, a, "") for s, a in statement.income),
            (_("本期收入合计"), statement.total_income, to_capital(statement.total_income)),
            *((_("支出：%(category)s") % {"category": c}, a, "") for c, a in statement.spending),
            (_("本期支出合计"), statement.total_spending, to_capital(statement.total_spending)),
            (_("期末余额"), statement.closing, to_capital(statement.closing)),
        ]
        entries = [
            (_("流水号"), lambda e: e.number),
            (_("发生日期"), lambda e: e.entry_date),
            (_("类型"), lambda e: e.get_kind_display()),
            (_("对方单位/个人"), lambda e: e.counterparty),
            (_("用途类别"), lambda e: e.category.name if e.category else ""),
            (_("摘要"), lambda e: e.description),
            (_("收入（元）"), lambda e: e.signed_amount if e.signed_amount > 0 else None),
            (_("支出（元）"), lambda e: -e.signed_amount if e.signed_amount < 0 else None),
            (_("依据决议"), lambda e: str(e.resolution) if e.resolution else ""),
            (_("冲正的记录"), lambda e: e.reverses.number if e.reverses else ""),
            (_("冲正原因"), lambda e: e.reason),
        ]
        return workbook_response(
            filename=self.file_stem(statement) + ".xlsx",
            sheets=[
                (
                    _("收支汇总"),
                    [
                        (_("项目"), lambda row: row[0]),
                        (_("金额（元）"), lambda row: row[1]),
                        (_("大写金额"), lambda row: row[2]),
                    ],
                    summary,
                ),
                (_("收支明细"), entries, statement.entries),
            ],
        )


class StatementPDFView(StatementMixin, View):
    """The statement as an A4 PDF, rendered on the spot: a council's year is a page or a few
    (about 2.5 s for 200 entries). A period too long to print within a request is sent back to
    the screen with a word to choose a shorter one."""

    def get(self, request, *args, **kwargs):
        if not self.period_ok:
            return self.bad_period()
        statement = self.statement()
        if len(statement.entries) > MAX_PDF_ENTRIES:
            messages.error(
                request,
                _("该期间共有 %(n)d 笔流水，超过打印版的上限 %(max)d 笔，请缩短期间后再打印，或导出 Excel。")
                % {"n": len(statement.entries), "max": MAX_PDF_ENTRIES},
            )
            query = urlencode({"start": statement.start.isoformat(), "end": statement.end.isoformat()})
            return redirect(f"{reverse('statement', args=[self.council.pk])}?{query}")
        pdf = render_pdf("pdf/statement.html", self.statement_context(statement))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition(self.file_stem(statement) + ".pdf", inline=True)
        response["Cache-Control"] = "private, no-store"
        return response


# --- A workbook of several sheets ---------------------------------------------------------------


def workbook_response(*, filename: str, sheets: list[tuple[str, list, Iterable]]) -> HttpResponse:
    """An .xlsx download with one sheet per (title, columns, rows), laid out like
    councils.exports.xlsx_response: bold frozen header, widths from the content, amounts as
    numbers with two decimals, text that starts with "=" kept as text."""
    workbook = Workbook(write_only=True)
    for title, columns, rows in sheets:
        sheet = workbook.create_sheet(SHEET_TITLE_FORBIDDEN.sub("_", str(title))[:31] or "Sheet")
        lines = [[cell_value(get(row)) for _header, get in columns] for row in rows]
        for index, (header, _get) in enumerate(columns, 1):
            widest = max([display_width(header), *(display_width(line[index - 1]) for line in lines[:200])])
            sheet.column_dimensions[get_column_letter(index)].width = min(
                max(widest + 2, MIN_WIDTH), MAX_WIDTH
            )
        sheet.freeze_panes = "A2"
        bold, fill = Font(bold=True), PatternFill("solid", start_color="FFE9ECEF")
        header_cells = []
        for header, _get in columns:
            cell = WriteOnlyCell(sheet, value=str(header))
            cell.font, cell.fill, cell.alignment = bold, fill, Alignment(vertical="center")
            header_cells.append(cell)
        sheet.append(header_cells)
        for line in lines:
            sheet.append([_cell(sheet, value) for value in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _cell(sheet, value: Any) -> Any:
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = MONEY_FORMAT
        return cell
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


urlpatterns = [
    path("councils/<int:pk>/statement/", StatementView.as_view(), name="statement"),
    path("councils/<int:pk>/statement.pdf", StatementPDFView.as_view(), name="statement_pdf"),
]
