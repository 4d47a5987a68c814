"""Patrol statistics (issue 5 §8; R-2.1, R-3.2, R-4.1, R-6.1): per district, street or community
and period, findings by category, rectification rate, median days to rectify, overdue, repeat
spots, activities and volunteer hours; two charts; the table as an .xlsx workbook.

Who may open it: the offices that review the communities' work (the REVIEW_COMPLIANCE
capability: city office, district office, street staff), each over its own scope only. The
figures are inspections.selectors.patrol_stats's; nothing is computed here.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django import forms
from django.http import HttpResponseBadRequest
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from councils import periods
from councils.exports import xlsx_response
from councils.models import District, Street
from councils.roles import Capability
from councils.views.base import ScopedMixin

from .models import Category
from .selectors import PatrolStats, StatsLevel, UnitStats, default_level, levels_for, patrol_stats

DATE_INPUT = {"type": "date", "class": "form-control"}


def this_quarter() -> tuple[date, date]:
    quarter = periods.Quarter.of(periods.today())
    return quarter.first_day, quarter.last_day


class StatsForm(forms.Form):
    """?start=&end=&level=&district=&street=; a missing start or end means this quarter."""

    start = forms.DateField(
        label=gettext_lazy("起始日期"), required=False, widget=forms.DateInput(DATE_INPUT, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=gettext_lazy("截止日期"), required=False, widget=forms.DateInput(DATE_INPUT, format="%Y-%m-%d")
    )
    level = forms.ChoiceField(label=gettext_lazy("统计单位"), required=False)
    district = forms.IntegerField(label=gettext_lazy("区"), required=False, min_value=1)
    street = forms.IntegerField(label=gettext_lazy("街道/镇"), required=False, min_value=1)

    def __init__(self, *args, levels: list[str], default: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_level = default
        self.fields["level"].choices = [(level, StatsLevel(level).label) for level in levels]

    def clean(self):
        data = super().clean()
        first, last = this_quarter()
        data["start"] = data.get("start") or first
        data["end"] = data.get("end") or last
        data["level"] = data.get("level") or self.default_level
        if data["start"] > data["end"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        return data

    def defaults(self) -> dict:
        first, last = this_quarter()
        return {"start": first, "end": last, "level": self.default_level, "district": None, "street": None}


class PatrolStatsView(ScopedMixin, TemplateView):
    """The statistics page; ?format=xlsx downloads its table. Rows are the districts, streets or
    communities the user sees (an out-of-scope ?district= or ?street= narrows to nothing)."""

    capability = Capability.REVIEW_COMPLIANCE
    template_name = "inspections/stats.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        self.form = StatsForm(
            request.GET,
            levels=levels_for(user, self.capability),
            default=default_level(user, self.capability),
        )
        valid = self.form.is_valid()
        if request.GET.get("format") == "xlsx" and not valid:
            errors = [e for field_errors in self.form.errors.values() for e in field_errors]
            return HttpResponseBadRequest(" ".join(errors))
        self.params = self.form.cleaned_data if valid else self.form.defaults()
        self.stats = (
            patrol_stats(
                user,
                level=self.params["level"],
                start=self.params["start"],
                end=self.params["end"],
                district=self.params["district"],
                street=self.params["street"],
                capability=self.capability,
            )
            if self.params["level"]
            else None
        )
        if request.GET.get("format") == "xlsx":
            return self.xlsx(self.stats)
        return super().get(request, *args, **kwargs)

    def query(self, **changes) -> str:
        """The query string of the period and breakdown in effect, with `changes`."""
        params = {
            "start": self.params["start"].isoformat(),
            "end": self.params["end"].isoformat(),
            "level": self.params["level"] or "",
            "district": self.params["district"] or "",
            "street": self.params["street"] or "",
            **changes,
        }
        return urlencode({k: v for k, v in params.items() if v})

    def presets(self) -> list[tuple[str, str]]:
        day = periods.today()
        quarter = periods.Quarter.of(day)
        previous = quarter.previous()
        choices = [
            (_("本季度"), quarter.first_day, quarter.last_day),
            (_("上季度"), previous.first_day, previous.last_day),
            (_("本年度"), date(day.year, 1, 1), date(day.year, 12, 31)),
            (_("上年度"), date(day.year - 1, 1, 1), date(day.year - 1, 12, 31)),
        ]
        return [(label, self.query(start=s.isoformat(), end=e.isoformat())) for label, s, e in choices]

    def period_name(self) -> str:
        start, end = self.params["start"], self.params["end"]
        quarter = periods.Quarter.of(start)
        if start == quarter.first_day and end == quarter.last_day:
            return str(quarter)
        return _("%(start)s 至 %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, level = self.request.user, self.params["level"]
        shown = StatsForm(
            initial={**self.params},
            levels=levels_for(user, self.capability),
            default=level,
        )
        districts = streets = []
        if level in (StatsLevel.STREET, StatsLevel.COMMUNITY):
            districts = list(District.objects.visible_to(user, capability=self.capability))
        if level == StatsLevel.COMMUNITY:
            streets = list(
                Street.objects.visible_to(user, capability=self.capability).select_related("district")
            )
        context.update(
            form=self.form if self.form.errors else shown,
            errors=self.form.errors,
            stats=self.stats,
            chart_data=self.stats.chart_data() if self.stats else None,
            level=level,
            level_label=StatsLevel(level).label if level else "",
            period_name=self.period_name(),
            presets=self.presets(),
            export_query=self.query(format="xlsx"),
            districts=districts if len(districts) > 1 else [],
            streets=streets if len(streets) > 1 else [],
            district=self.params["district"],
            street=self.params["street"],
            categories=Category.choices,
        )
        return context

    def xlsx(self, stats: PatrolStats | None):
        level = self.params["level"]
        start, end = self.params["start"], self.params["end"]
        return xlsx_response(
            filename=_("巡查统计_%(start)s-%(end)s.xlsx")
            % {"start": start.strftime("%Y%m%d"), "end": end.strftime("%Y%m%d")},
            title=_("巡查统计"),
            columns=export_columns(level),
            rows=[*stats.rows, stats.total] if stats else [],
        )


def export_columns(level: str | None) -> list:
    """The page's table, one column per figure; the last line is the total."""

    def name_of(*steps: str, first: bool = False):
        def get(row: UnitStats) -> str:
            if row.unit is None:
                return _("合计") if first else ""
            obj = row.unit
            for step in steps:
                obj = getattr(obj, step)
            return obj.name

        return get

    names = {
        StatsLevel.DISTRICT: [(_("区"), name_of(first=True))],
        StatsLevel.STREET: [(_("区"), name_of("district", first=True)), (_("街道/镇"), name_of())],
        StatsLevel.COMMUNITY: [
            (_("区"), name_of("street", "district", first=True)),
            (_("街道/镇"), name_of("street")),
            (_("社区"), name_of()),
        ],
    }.get(level, [])
    by_category = [
        (_("%(category)s（件）") % {"category": label}, lambda row, code=code: row.by_category[code])
        for code, label in Category.choices
    ]
    return [
        *names,
        (_("发现（件）"), lambda row: row.findings),
        *by_category,
        (_("已纠正（件）"), lambda row: row.fixed),
        (_("未整改关闭（件）"), lambda row: row.closed),
        (_("整改率（%）"), lambda row: row.rate),
        (_("整改天数中位数"), lambda row: row.median_days),
        (_("逾期未整改（件）"), lambda row: row.overdue),
        (_("重复点位（处）"), lambda row: row.repeat_spots),
        (_("志愿服务（次）"), lambda row: row.volunteer.count),
        (_("志愿服务参与人次"), lambda row: row.volunteer.participants),
        (_("志愿服务时长（小时）"), lambda row: row.volunteer.hours),
        (_("志愿服务对象（人）"), lambda row: row.volunteer.served),
        (_("教育活动（次）"), lambda row: row.education.count),
        (_("教育活动参与人次"), lambda row: row.education.participants),
        (_("教育活动志愿时长（小时）"), lambda row: row.education.hours),
        (_("教育活动受众（人）"), lambda row: row.education.served),
    ]


urlpatterns = [
    path("patrols/stats/", PatrolStatsView.as_view(), name="patrol_stats"),
]
