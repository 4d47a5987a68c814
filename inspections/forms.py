"""Forms of the patrol pages (R-2.1): thin, scoped, made for a phone. They only shape what was
typed; the rules (photos checked by content, the lifecycle, deadlines) live in services.py."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from councils.models import Building, Community
from councils.periods import today
from councils.roles import Capability
from councils.text_limits import NOTE, limited

from .models import Category, Finding, Patrol

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
PHOTO_HELP = _(
    "可直接拍照或从相册选择，可多选；JPEG 或 PNG，每张不超过 10 MB。照片中的拍摄位置等信息会被去除。"
)


class MultiplePhotoInput(forms.FileInput):
    """A camera-friendly file input that takes several photos at once."""

    allow_multiple_selected = True

    def __init__(self, attrs=None):
        super().__init__({"accept": "image/*", "capture": "environment", **(attrs or {})})


class PhotosField(forms.FileField):
    """Zero or more uploaded files, as a list. Whether each is a photo is the service's call."""

    widget = MultiplePhotoInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", PHOTO_HELP)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        return [single(upload, initial) for upload in files if upload]


class PatrolForm(forms.Form):
    community = forms.ModelChoiceField(label=_("社区"), queryset=Community.objects.none())
    kind = forms.ChoiceField(label=_("身份"), choices=Patrol.Kind.choices, initial=Patrol.Kind.PATROLLER)
    started_at = forms.DateTimeField(
        label=_("巡查时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=_("北京时间，默认为现在。"),
    )
    route = forms.CharField(
        label=_("路线/区域"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("如：幸福路—建设路沿街，1至6号楼")}),
    )
    notes = limited(
        forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3})), NOTE
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        communities = (
            Community.objects.visible_to(user, Capability.RECORD_PATROLS)
            .select_related("street")
            .order_by("name")
        )
        self.fields["community"].queryset = communities
        only = list(communities[:2])
        if len(only) == 1:
            self.fields["community"].initial = only[0].pk
            self.fields["community"].empty_label = None
        self.fields["started_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class FindingForm(forms.Form):
    """A finding on one community: what, where, a description and photos before."""

    NEW = "new"

    category = forms.ChoiceField(
        label=_("问题类别"),
        choices=Category.choices,
        widget=forms.RadioSelect(attrs={"class": "btn-check", "autocomplete": "off"}),
    )
    building = forms.ModelChoiceField(
        label=_("楼栋"),
        queryset=Building.objects.none(),
        required=False,
        empty_label=_("不在楼栋（填写位置）"),
    )
    address = forms.CharField(
        label=_("位置"),
        max_length=200,
        required=False,
        help_text=_("不在楼栋时必填，如“幸福路与建设路交叉口东侧”。"),
    )
    latitude = forms.DecimalField(
        label=_("纬度"), max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False
    )
    longitude = forms.DecimalField(
        label=_("经度"), max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False
    )
    description = limited(
        forms.CharField(label=_("问题描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    )
    photos = PhotosField(label=_("现场照片（整改前）"))
    # Filled in only when likely duplicates were shown: "new", or the pk of the original.
    duplicate = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.filter(community=community).order_by("name")
        for name in ("latitude", "longitude"):
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "step": "0.000001"})

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            self.add_error("longitude", _("经纬度须同时填写，或都不填。"))
        return cleaned


class StepForm(forms.Form):
    """The form of one step of a finding's lifecycle; which fields it has depends on the step."""

    def __init__(self, *args, to: str, deadline_initial=None, **kwargs):
        super().__init__(*args, **kwargs)
        Status = Finding.Status
        if to == Status.ORDERED:
            self.fields["deadline"] = forms.DateField(
                label=_("整改期限"),
                required=False,
                initial=deadline_initial,
                widget=forms.DateInput(attrs={"type": "date", "min": today().isoformat()}, format="%Y-%m-%d"),
                help_text=_("按问题类别的整改期限预填，可以修改。"),
            )
        if to == Status.RECTIFIED:
            self.fields["after_photos"] = PhotosField(label=_("整改后照片"))
            self.fields["after_photos"].help_text = _("须上传整改后的现场照片。") + " " + str(PHOTO_HELP)
        if to == Status.ESCALATED:
            self.fields["handover_note"] = limited(
                forms.CharField(
                    label=_("移交说明"),
                    required=False,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    help_text=_("写明移交的执法部门、移交原因和已采取的措施。"),
                )
            )
        if to == Status.CLOSED:
            self.fields["closed_reason"] = limited(
                forms.CharField(
                    label=_("关闭原因"),
                    required=False,
                    max_length=2000,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    help_text=_("未整改即关闭，不计入已纠正。"),
                )
            )
        if to not in (Status.ESCALATED, Status.CLOSED):
            self.fields["note"] = limited(
                forms.CharField(
                    label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
                )
            )


class DuplicateForm(forms.Form):
    original = forms.ModelChoiceField(
        label=_("原发现"), queryset=Finding.objects.none(), widget=forms.RadioSelect, empty_label=None
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["original"].queryset = candidates
