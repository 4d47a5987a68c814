"""Forms for seats on councils, responsible areas and contacts with residents (R-1.3)."""

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from .models import Building, ContactLog, CouncilTerm, Membership, MemberUnit
from .periods import today
from .roles import Capability
from .text_limits import NOTE, TEXT, limited


class MembershipForm(forms.Form):
    """Seat a unit (new) or change a seat (existing); the area is a set of the community's buildings."""

    unit = forms.ModelChoiceField(label=_("成员单位"), queryset=MemberUnit.objects.none())
    position = forms.ChoiceField(label=_("职务"), choices=Membership.Position.choices)
    representative = forms.CharField(label=_("代表"), max_length=50, required=False)
    joined_on = forms.DateField(label=_("加入日期"), widget=forms.DateInput(attrs={"type": "date"}))
    buildings = forms.ModelMultipleChoiceField(
        label=_("责任楼栋"),
        queryset=Building.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("按楼房分片负责：勾选本单位负责联系的楼栋。"),
    )

    def __init__(self, *args, user, council, membership=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buildings"].queryset = Building.objects.filter(
            community_id=council.community_id
        ).order_by("name")
        if membership is None:
            seated = council.memberships.filter(left_on__isnull=True).values("unit")
            self.fields["unit"].queryset = (
                MemberUnit.objects.visible_to(user, capability=Capability.MANAGE_UNITS)
                .filter(status=MemberUnit.Status.ACTIVE)
                .exclude(pk__in=seated)
                .order_by("name")
            )
            self.fields["joined_on"].initial = today()
        else:
            del self.fields["unit"]
            del self.fields["joined_on"]

    def clean_joined_on(self):
        joined_on = self.cleaned_data["joined_on"]
        if joined_on > today():
            raise forms.ValidationError(_("加入日期不能晚于今天。"))
        return joined_on


class LeaveForm(forms.Form):
    left_on = forms.DateField(label=_("退出日期"), widget=forms.DateInput(attrs={"type": "date"}))
    confirm = forms.BooleanField(label=_("确认该单位退出理事会（历史记录与出席情况将保留）"))

    def clean_left_on(self):
        left_on = self.cleaned_data["left_on"]
        if left_on > today():
            raise forms.ValidationError(_("退出日期不能晚于今天。"))
        return left_on


class ContactLogForm(forms.ModelForm):
    matters = limited(
        ContactLog._meta.get_field("matters").formfield(widget=forms.Textarea(attrs={"rows": 3})), TEXT
    )
    follow_up = limited(
        ContactLog._meta.get_field("follow_up").formfield(widget=forms.Textarea(attrs={"rows": 2})), NOTE
    )

    class Meta:
        model = ContactLog
        fields = ["contacted_on", "building", "residents_met", "matters", "follow_up"]
        widgets = {"contacted_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.filter(
            responsible_units__membership=membership
        ).order_by("name")
        self.fields["building"].empty_label = None
        self.fields["contacted_on"].initial = today()

    def clean_contacted_on(self):
        contacted_on = self.cleaned_data["contacted_on"]
        if contacted_on > today():
            raise forms.ValidationError(_("联系日期不能晚于今天。"))
        return contacted_on


class CouncilTermForm(forms.ModelForm):
    """A new term (届): it becomes the council's current term, with its chair and secretary."""

    class Meta:
        model = CouncilTerm
        fields = ["number", "starts_on", "ends_on", "chair", "secretary_general"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Terms are counted from the first (第一届); the column itself would take a 0.
        self.fields["number"].min_value = 1
        self.fields["number"].validators.append(MinValueValidator(1))
        self.fields["number"].widget.attrs["min"] = 1

    def clean(self):
        # Said on the field in words, before the database's check would name its constraint.
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on <= starts_on:
            self.add_error("ends_on", _("本届截止日期应晚于起始日期。"))
        return data
