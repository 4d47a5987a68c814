"""Search and filters for the list pages; every choice is scoped to the user."""

import django_filters
from django.db.models import Q
from django.forms import Select
from django.utils.translation import gettext_lazy as _

from .models import Building, Community, Council, District, MemberUnit, Street
from .roles import Role


def style_filter_form(form) -> None:
    """Bootstrap classes on the filter widgets, so every list's filter bar looks the same."""
    for field in form.fields.values():
        widget = field.widget
        widget.attrs.setdefault("class", "form-select" if isinstance(widget, Select) else "form-control")


class ScopedFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    search_fields: tuple[str, ...] = ("name",)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        for flt in self.filters.values():
            queryset = flt.extra.get("queryset")
            if queryset is not None and hasattr(queryset, "visible_to"):
                # Both: django-filter builds the form field from the filter's own queryset.
                flt.extra["queryset"] = flt.queryset = queryset.visible_to(user)
        style_filter_form(self.form)

    def search(self, queryset, name, value):
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(condition)


class DistrictFilter(ScopedFilterSet):
    class Meta:
        model = District
        fields = ["q"]


class StreetFilter(ScopedFilterSet):
    district = django_filters.ModelChoiceFilter(label=_("区"), queryset=District.objects.all())

    class Meta:
        model = Street
        fields = ["q", "district", "kind"]


class CommunityFilter(ScopedFilterSet):
    street = django_filters.ModelChoiceFilter(label=_("街道/镇"), queryset=Street.objects.all())
    search_fields = ("name", "address")

    class Meta:
        model = Community
        fields = ["q", "street"]


class BuildingFilter(ScopedFilterSet):
    community = django_filters.ModelChoiceFilter(label=_("社区"), queryset=Community.objects.all())
    search_fields = ("name", "address", "community__name")

    class Meta:
        model = Building
        fields = ["q", "community"]


class CouncilFilter(ScopedFilterSet):
    street = django_filters.ModelChoiceFilter(
        label=_("街道/镇"), queryset=Street.objects.all(), field_name="community__street"
    )
    search_fields = ("name", "community__name", "chair", "secretary_general")

    class Meta:
        model = Council
        fields = ["q", "street", "status"]


class MemberUnitFilter(ScopedFilterSet):
    street = django_filters.ModelChoiceFilter(label=_("驻在街道/镇"), queryset=Street.objects.all())
    search_fields = ("name", "credit_code", "contact_person")

    class Meta:
        model = MemberUnit
        fields = ["q", "kind", "street", "status"]


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    role = django_filters.ChoiceFilter(
        label=_("角色"), choices=Role.choices, field_name="role_assignments__role", distinct=True
    )
    is_active = django_filters.BooleanFilter(label=_("启用"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        style_filter_form(self.form)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(username__icontains=value) | Q(first_name__icontains=value))
