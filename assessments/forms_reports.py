"""Forms of the ranking reports pages: the request (a period and one scope the user may choose)
and the list's filters."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from councils.filtersets import ScopedFilterSet
from councils.models import District, Street
from councils.roles import CAPABILITIES, Capability, Level
from councils.scoping import grants_of

from .models import Period, RankingReport


def scope_options(user) -> dict[str, tuple[str, District | None, Street | None, str]]:
    """The scopes `user` may have a ranking of, keyed as the form posts them ("city",
    "district:3", "street:12"): (level, district, street, label). Built from the same scoped
    querysets as every page, so a district office is offered its district and its streets."""
    capability = Capability.REQUEST_REPORTS
    allowed = CAPABILITIES[capability]
    options: dict[str, tuple[str, District | None, Street | None, str]] = {}
    if any(g.level == Level.CITY and g.role in allowed for g in grants_of(user)):
        options["city"] = (Level.CITY, None, None, str(_("全市")))
    for district in District.objects.visible_to(user, capability).order_by("name"):
        options[f"district:{district.pk}"] = (Level.DISTRICT, district, None, district.name)
    streets = Street.objects.visible_to(user, capability).select_related("district")
    for street in streets.order_by("district__name", "name"):
        label = f"{street.district.name} · {street.name}"
        options[f"street:{street.pk}"] = (Level.STREET, street.district, street, label)
    return options


class ReportRequestForm(forms.Form):
    period = forms.ModelChoiceField(label=_("考核期"), queryset=Period.objects.all(), empty_label=None)
    scope = forms.ChoiceField(label=_("排名范围"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.options = scope_options(user)
        groups: dict[str, list[tuple[str, str]]] = {}
        names = {Level.CITY: _("全市"), Level.DISTRICT: _("区"), Level.STREET: _("街道/镇")}
        for key, (level, _district, _street, label) in self.options.items():
            groups.setdefault(str(names[level]), []).append((key, label))
        choices = list(groups.items())
        # One group needs no heading.
        self.fields["scope"].choices = choices[0][1] if len(choices) == 1 else choices
        if self.options and "scope" not in self.initial:
            self.initial["scope"] = next(iter(self.options))

    def clean(self):
        data = super().clean()
        key = data.get("scope")
        if key in self.options:
            data["level"], data["district"], data["street"], _label = self.options[key]
        return data


class ReportFilter(ScopedFilterSet):
    period = django_filters.ModelChoiceFilter(
        label=_("考核期"), queryset=Period.objects.all(), empty_label=_("全部")
    )
    level = django_filters.ChoiceFilter(
        label=_("范围"), choices=RankingReport._meta.get_field("level").choices, empty_label=_("全部")
    )
    state = django_filters.ChoiceFilter(
        label=_("状态"), choices=RankingReport.State.choices, empty_label=_("全部")
    )
    search_fields = ("district__name", "street__name")

    class Meta:
        model = RankingReport
        fields = ["q", "period", "level", "state"]
