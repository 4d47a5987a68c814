"""Forms and list filters for building rosters and pacts (R-2.2) and for volunteer and education
activities (R-3.2, R-4.1). Thin: the rules live in inspections/services.py; every choice is
scoped to the acting user."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from councils.filtersets import ScopedFilterSet
from councils.models import Building, Community, Council, Membership, MemberUnit
from councils.text_limits import DOCUMENT, TEXT, limited

from .models import Activity, BuildingOfficer, CivilityPact

POSTS = len(BuildingOfficer.Post)


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def communities_for(user, capability: str | None = None):
    """Communities the user works in: those of the tree in scope, and those whose council the
    user reaches (a council's secretary or a member unit's contact)."""
    councils = Council.objects.visible_to(user, capability).values("community")
    return (
        Community.objects.visible_to(user, capability) | Community.objects.filter(pk__in=councils)
    ).order_by("name")


def seated_units(communities):
    """Member units with a current seat on the council of one of these communities."""
    seats = Membership.objects.filter(council__community__in=communities, left_on__isnull=True)
    return MemberUnit.objects.filter(pk__in=seats.values("unit")).order_by("name")


class FilterBar(ScopedFilterSet):
    """Selects, inputs and check boxes styled for the filter bar."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input d-block"


# --- Rosters and pacts (R-2.2) -----------------------------------------------------------------


def filled_posts():
    """How many of the six posts of each building are filled (as a subquery, so the list can
    filter and sum on it without grouping)."""
    return Coalesce(
        Subquery(
            BuildingOfficer.objects.filter(building=OuterRef("pk"))
            .order_by()
            .values("building")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def has_pact():
    return Exists(CivilityPact.objects.filter(building=OuterRef("pk")))


class RosterFilter(FilterBar):
    community = django_filters.ModelChoiceFilter(
        label=_("社区"), queryset=Community.objects.all(), empty_label=_("全部")
    )
    vacant = django_filters.BooleanFilter(label=_("有空缺"), method="only_vacant", widget=forms.CheckboxInput)
    no_pact = django_filters.BooleanFilter(
        label=_("尚无文明公约"), method="only_without_pact", widget=forms.CheckboxInput
    )

    class Meta:
        model = Building
        fields = ["q", "community", "vacant", "no_pact"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        communities = communities_for(user)
        self.filters["community"].queryset = self.form.fields["community"].queryset = communities

    def search(self, queryset, name, value):
        # A name matches through the officers: keep each building once.
        value = value.strip()
        return queryset.filter(
            Q(name__icontains=value)
            | Q(address__icontains=value)
            | Q(community__name__icontains=value)
            | Exists(BuildingOfficer.objects.filter(building=OuterRef("pk"), name__icontains=value))
        )

    def only_vacant(self, queryset, name, value):
        return queryset.filter(n_filled__lt=POSTS) if value else queryset

    def only_without_pact(self, queryset, name, value):
        return queryset.filter(has_pact=False) if value else queryset


class OfficerForm(forms.Form):
    """Who holds a post: only a name and a phone are kept about the resident (R-2.2, R-2.3)."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    since = forms.DateField(label=_("任职日期"), widget=date_input())


class PactForm(forms.Form):
    text = limited(forms.CharField(label=_("公约内容"), widget=forms.Textarea(attrs={"rows": 10})), DOCUMENT)
    adopted_on = forms.DateField(label=_("订立日期"), widget=date_input())


# --- Activities (R-3.2, R-4.1) -----------------------------------------------------------------


GROUPS = (("volunteer", _("志愿服务")), ("education", _("宣传教育")))


def grouped_kinds():
    """The kinds under their group, so the select reads as the rules do (R-3.2, R-4.1)."""
    volunteer = [(k, Activity.Kind(k).label) for k in Activity.VOLUNTEER]
    education = [(k, label) for k, label in Activity.Kind.choices if k not in Activity.VOLUNTEER]
    return [(_("志愿服务"), volunteer), (_("宣传教育"), education)]


class ActivityFilter(FilterBar):
    community = django_filters.ModelChoiceFilter(
        label=_("社区"), queryset=Community.objects.all(), empty_label=_("全部")
    )
    group = django_filters.ChoiceFilter(
        label=_("类别"), choices=GROUPS, method="in_group", empty_label=_("全部")
    )
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=Activity.Kind.choices, empty_label=_("全部"))
    date_from = django_filters.DateFilter(
        label=_("起始日期"), field_name="held_on", lookup_expr="gte", widget=date_input()
    )
    date_to = django_filters.DateFilter(
        label=_("截止日期"), field_name="held_on", lookup_expr="lte", widget=date_input()
    )
    organiser = django_filters.ModelChoiceFilter(
        label=_("组织单位"), queryset=MemberUnit.objects.all(), empty_label=_("全部")
    )
    search_fields = ("title", "notes", "organiser__name")

    class Meta:
        model = Activity
        fields = ["q", "community", "group", "kind", "date_from", "date_to", "organiser"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # The choice fields are built from the filters' querysets: scope and sort both.
        communities = communities_for(user)
        self.filters["community"].queryset = self.form.fields["community"].queryset = communities
        organisers = MemberUnit.objects.visible_to(user).filter(
            pk__in=Activity.objects.visible_to(user).values("organiser")
        )
        organisers = organisers.order_by("name")
        self.filters["organiser"].queryset = self.form.fields["organiser"].queryset = organisers

    def in_group(self, queryset, name, value):
        if value == "volunteer":
            return queryset.filter(kind__in=Activity.VOLUNTEER)
        return queryset.exclude(kind__in=Activity.VOLUNTEER)


class ActivityForm(forms.Form):
    """A volunteer service or an education event (R-3.2, R-4.1). The communities are those the
    user may record for; the organiser is a member unit seated on that community's council."""

    community = forms.ModelChoiceField(label=_("社区"), queryset=Community.objects.none())
    kind = forms.ChoiceField(label=_("类型"), choices=())
    title = forms.CharField(label=_("活动名称"), max_length=200)
    held_on = forms.DateField(label=_("活动日期"), widget=date_input())
    organiser = forms.ModelChoiceField(
        label=_("组织单位"),
        queryset=MemberUnit.objects.none(),
        required=False,
        empty_label=_("社区自行组织"),
        help_text=_("理事会成员单位"),
    )
    participants = forms.IntegerField(label=_("参与人数"), min_value=0, initial=0)
    volunteer_hours = forms.DecimalField(
        label=_("志愿服务时长（小时）"),
        min_value=0,
        max_digits=8,
        decimal_places=1,
        initial=0,
        help_text=_("参与者服务时长合计，保留一位小数"),
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    people_served = forms.IntegerField(label=_("服务/受众人数"), min_value=0, initial=0)
    notes = limited(
        forms.CharField(label=_("活动情况"), required=False, widget=forms.Textarea(attrs={"rows": 4})), TEXT
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["kind"].choices = [("", "---------"), *grouped_kinds()]
        self.fields["organiser"].queryset = seated_units(communities)
        self.fields["organiser"].label_from_instance = lambda unit: unit.name
        for name in ("participants", "people_served"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"

    def clean(self):
        data = super().clean()
        community, organiser = data.get("community"), data.get("organiser")
        if community is not None and organiser is not None:
            seated = Membership.objects.filter(
                council__community=community, unit=organiser, left_on__isnull=True
            ).exists()
            if not seated:
                self.add_error("organiser", _("该单位不是所选社区理事会的成员单位。"))
        return data
