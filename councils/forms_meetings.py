"""Forms and filters for meetings, resolutions and attachments (R-1.1, R-1.2). They only shape
what the secretary typed; the rules live in services/meetings.py."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import django_filters
from django import forms
from django.db.models.functions import ExtractQuarter
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .filtersets import ScopedFilterSet
from .models import AgendaItem, Attendance, Council, Meeting, Membership, Resolution
from .periods import SHANGHAI, Quarter, today
from .services.meetings import Seat
from .text_limits import DOCUMENT, NOTE, TEXT, limited

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
QUARTER_CHOICES = [(1, _("第一季度")), (2, _("第二季度")), (3, _("第三季度")), (4, _("第四季度"))]


# --- The list's filters ------------------------------------------------------------------------


def year_choices() -> list[tuple[int, str]]:
    this_year = today().year
    return [(y, _("%(year)d年") % {"year": y}) for y in range(this_year, this_year - 10, -1)]


def select():
    return forms.Select(attrs={"class": "form-select"})


def choice_filter(label, choices, **kwargs):
    return django_filters.ChoiceFilter(
        label=label, choices=choices, widget=select(), empty_label=_("全部"), **kwargs
    )


class MeetingFilter(ScopedFilterSet):
    council = django_filters.ModelChoiceFilter(
        label=_("理事会"), queryset=Council.objects.all(), widget=select(), empty_label=_("全部")
    )
    year = choice_filter(_("年度"), year_choices, method="filter_year")
    quarter = choice_filter(_("季度"), QUARTER_CHOICES, method="filter_quarter")
    kind = choice_filter(_("会议类型"), Meeting.Kind.choices)
    status = choice_filter(_("状态"), Meeting.Status.choices)
    search_fields = ("place", "minutes", "council__name")

    class Meta:
        model = Meeting
        fields = ["q", "council", "year", "quarter", "kind", "status"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # django-filter rebuilds a choice field from the filter's own `queryset`, so scope that too.
        self.filters["council"].queryset = Council.objects.visible_to(user).order_by("name")

    def filter_year(self, queryset, name, value):
        # Read on a Shanghai calendar: a meeting at 23:30 on 31 December stays in its year.
        year = int(value)
        return queryset.filter(held_at__gte=Quarter(year, 1).start, held_at__lt=Quarter(year + 1, 1).start)

    def filter_quarter(self, queryset, name, value):
        return queryset.annotate(held_quarter=ExtractQuarter("held_at", tzinfo=SHANGHAI)).filter(
            held_quarter=int(value)
        )


# --- Recording a meeting -----------------------------------------------------------------------


class MeetingForm(forms.Form):
    """Date, kind, place, one row per seat (present, who came, why absent), agenda and minutes:
    everything a secretary records after a meeting, in one page."""

    held_at = forms.DateTimeField(
        label=_("会议时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=_("北京时间。会后录入，不能晚于现在。"),
    )
    kind = forms.ChoiceField(label=_("会议类型"), choices=Meeting.Kind.choices)
    place = forms.CharField(label=_("会议地点"), max_length=200)
    agenda = limited(
        forms.CharField(
            label=_("议题"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("每行一个议题。"),
        ),
        NOTE,
    )
    minutes = limited(
        forms.CharField(
            label=_("会议纪要"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 6}),
            help_text=_("录入纪要后会议才算已召开；暂时没有可先保存，之后补录。"),
        ),
        DOCUMENT,
    )

    def __init__(
        self,
        *args,
        memberships: Iterable[Membership],
        attendances: Iterable[Attendance] = (),
        with_agenda: bool = True,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["held_at"].widget.attrs["max"] = timezone.localtime(timezone.now(), SHANGHAI).strftime(
            DATETIME_LOCAL
        )
        if not with_agenda:
            del self.fields["agenda"]
        recorded = {a.membership_id: a for a in attendances}
        self.memberships = list(memberships)
        self.rows = []
        for membership in self.memberships:
            pk = membership.pk
            attendance = recorded.get(pk)
            self.fields[f"present_{pk}"] = forms.BooleanField(
                label=_("出席"),
                required=False,
                initial=attendance.present if attendance else False,
            )
            self.fields[f"representative_{pk}"] = forms.CharField(
                label=_("出席代表"),
                required=False,
                max_length=50,
                initial=attendance.representative
                if attendance and attendance.present
                else membership.representative,
            )
            self.fields[f"reason_{pk}"] = forms.CharField(
                label=_("缺席原因"),
                required=False,
                max_length=200,
                initial=attendance.absence_reason if attendance else "",
            )
            self.rows.append(
                {
                    "membership": membership,
                    "present": self[f"present_{pk}"],
                    "representative": self[f"representative_{pk}"],
                    "reason": self[f"reason_{pk}"],
                }
            )

    def clean_held_at(self):
        # The service refuses a future time when recording; say so on corrections too.
        held_at = self.cleaned_data["held_at"]
        if held_at > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("会议时间不能晚于现在：请在会后录入。"))
        return held_at

    def attendance_fields(self) -> set[str]:
        return {name for name in self.fields if name.split("_")[0] in ("present", "representative", "reason")}

    def attendance_changed(self) -> bool:
        return bool(self.attendance_fields() & set(self.changed_data))

    def seats(self, eligible: set[int]) -> list[Seat]:
        """The rows as seats. An untouched row of a unit not seated on the meeting's day is left
        out (the service only refuses seats someone actually ticked or explained); a present
        unit needs no absence reason and an absent one sends no representative."""
        seats = []
        for membership in self.memberships:
            pk = membership.pk
            present = self.cleaned_data[f"present_{pk}"]
            reason = "" if present else self.cleaned_data[f"reason_{pk}"].strip()
            if not (present or reason or pk in eligible):
                continue
            seats.append(
                Seat(
                    membership_id=pk,
                    present=present,
                    representative=self.cleaned_data[f"representative_{pk}"].strip() if present else "",
                    absence_reason=reason,
                )
            )
        return seats

    def agenda_items(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("agenda", "").splitlines() if line.strip()]


# --- Resolutions, withdrawals, attachments -----------------------------------------------------


class ResolutionForm(forms.Form):
    title = forms.CharField(label=_("决议事项"), max_length=200)
    subject = forms.ChoiceField(label=_("事项类别"), choices=Resolution.Subject.choices)
    agenda_item = forms.ModelChoiceField(
        label=_("对应议题"),
        queryset=AgendaItem.objects.none(),
        required=False,
        empty_label=_("（不对应议题）"),
    )
    text = limited(forms.CharField(label=_("决议内容"), widget=forms.Textarea(attrs={"rows": 4})), TEXT)
    votes_for = forms.IntegerField(label=_("赞成"), min_value=0)
    votes_against = forms.IntegerField(label=_("反对"), min_value=0, initial=0)
    votes_abstain = forms.IntegerField(label=_("弃权"), min_value=0, initial=0)

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = AgendaItem.objects.filter(meeting=meeting).order_by(
            "order", "pk"
        )
        for name in ("votes_for", "votes_against", "votes_abstain"):
            self.fields[name].widget.attrs.update({"max": meeting.present_count, "inputmode": "numeric"})
        self.fields["votes_for"].help_text = _("实到 %(present)d 家成员单位，每家一票。") % {
            "present": meeting.present_count
        }


class WithdrawForm(forms.Form):
    reason = limited(
        forms.CharField(
            label=_("撤销原因"),
            widget=forms.Textarea(attrs={"rows": 3}),
            max_length=1000,
            error_messages={"required": _("请填写撤销原因。")},
        )
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("附件"),
        help_text=_("PDF、JPEG 或 PNG，不超过 10 MB（按文件内容识别类型）。"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )
