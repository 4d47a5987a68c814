"""Forms: thin, scoped. Every choice of a tree node, council or unit is limited to what the
acting user may manage (DESIGN.md invariant 1)."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import Building, Community, Council, District, MemberUnit, RoleAssignment, Street
from .roles import ROLE_LEVEL, Capability, Level, Role
from .scoping import ScopedModel

User = get_user_model()


class LockoutMessagesMixin:
    """Explains the lockout (councils/auth.py) on a sign-in form: how long it lasts, and whom to
    ask to lift it; a wrong password says how many tries are left."""

    lockout_messages = {
        "locked": _("该账号因连续多次登录失败已被锁定，请 %(minutes)d 分钟后再试，或联系市文明办解除锁定。"),
        "invalid_login_left": _("用户名或密码错误。再失败 %(left)d 次，账号将被锁定。"),
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError as error:
            verdict = getattr(self.request, "sign_in_verdict", None) if self.request else None
            if getattr(error, "code", None) != "invalid_login" or verdict is None:
                raise
            if not verdict.allowed or verdict.left == 0:
                raise forms.ValidationError(
                    self.lockout_messages["locked"], code="locked", params={"minutes": verdict.minutes}
                ) from error
            raise forms.ValidationError(
                self.lockout_messages["invalid_login_left"],
                code="invalid_login",
                params={"left": verdict.left},
            ) from error


class SignInForm(LockoutMessagesMixin, AuthenticationForm):
    """Sign-in with a lockout after repeated failures, and no demo password outside DEBUG."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码错误。"),
        "demo_password": _("演示密码只能在开发环境中使用，请联系管理员设置正式密码。"),
    }

    def clean(self):
        password = self.cleaned_data.get("password") or ""
        if password == settings.DEMO_PASSWORD and not settings.DEBUG:
            raise forms.ValidationError(self.error_messages["demo_password"], code="demo_password")
        return super().clean()


class AdminSignInForm(LockoutMessagesMixin, AdminAuthenticationForm):
    """The admin's sign-in, with the same lockout messages (the lock itself is in the backend)."""


class ScopedModelForm(forms.ModelForm):
    """A model form whose choices of scoped rows are limited to what `user` may manage."""

    capability: str = ""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and issubclass(queryset.model, ScopedModel):
                field.queryset = queryset.visible_to(user, capability=self.capability)


class DistrictForm(ScopedModelForm):
    capability = Capability.MANAGE_TREE

    class Meta:
        model = District
        fields = ["name", "code"]

    def clean_code(self):
        # GB/T 2260: six digits, e.g. 350402 for 梅列区; anything else is refused, not stored.
        code = (self.cleaned_data.get("code") or "").strip()
        if code and not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise forms.ValidationError(_("行政区划代码应为6位数字，例如 350402。"))
        return code


class StreetForm(ScopedModelForm):
    capability = Capability.MANAGE_TREE

    class Meta:
        model = Street
        fields = ["district", "name", "kind"]


class CommunityForm(ScopedModelForm):
    capability = Capability.MANAGE_TREE

    class Meta:
        model = Community
        fields = ["street", "name", "address"]


class BuildingForm(ScopedModelForm):
    capability = Capability.MANAGE_BUILDINGS

    class Meta:
        model = Building
        fields = ["community", "name", "address", "households"]


class CouncilForm(ScopedModelForm):
    capability = Capability.MANAGE_COUNCILS

    class Meta:
        model = Council
        fields = [
            "community",
            "name",
            "chair",
            "secretary_general",
            "term_start",
            "term_end",
            "quorum_rule",
            "status",
        ]
        widgets = {
            "term_start": forms.DateInput(attrs={"type": "date"}),
            "term_end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A community has one council: offer only communities still without one.
        free = self.fields["community"].queryset.filter(council__isnull=True)
        if self.instance.pk:
            free = free | self.fields["community"].queryset.filter(pk=self.instance.community_id)
        self.fields["community"].queryset = free.select_related("street")


class MemberUnitForm(ScopedModelForm):
    capability = Capability.MANAGE_UNITS

    class Meta:
        model = MemberUnit
        fields = [
            "name",
            "kind",
            "credit_code",
            "street",
            "address",
            "contact_person",
            "contact_phone",
            "status",
        ]
        widgets = {"credit_code": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})}

    def clean_credit_code(self):
        return (self.cleaned_data.get("credit_code") or "").strip().upper()


# --- Users and roles ---------------------------------------------------------------------------


class UserCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("用户名"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text=_("字母、数字或 @ . + - _，登录时使用。"),
        error_messages={"invalid": _("用户名只能包含字母、数字和 @ . + - _。")},
    )
    full_name = forms.CharField(label=_("姓名"), max_length=150)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    password1 = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("再次输入密码"), widget=forms.PasswordInput, strip=False)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("用户名“%(name)s”已被使用。"), params={"name": username})
        return username

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif p1:
            probe = User(username=cleaned.get("username", ""), first_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class UserUpdateForm(forms.Form):
    full_name = forms.CharField(label=_("姓名"), max_length=150)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    is_active = forms.BooleanField(
        label=_("启用"), required=False, help_text=_("停用的账号不能登录，授权保留。")
    )


class RoleAssignmentForm(forms.Form):
    """A role and the one node it applies to; only the node of the role's level is kept."""

    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    district = forms.ModelChoiceField(label=_("区"), queryset=District.objects.all(), required=False)
    street = forms.ModelChoiceField(
        label=_("街道/镇"), queryset=Street.objects.select_related("district"), required=False
    )
    community = forms.ModelChoiceField(
        label=_("社区"), queryset=Community.objects.select_related("street"), required=False
    )
    council = forms.ModelChoiceField(label=_("理事会"), queryset=Council.objects.all(), required=False)
    member_unit = forms.ModelChoiceField(
        label=_("成员单位"), queryset=MemberUnit.objects.all(), required=False
    )

    def __init__(self, *args, user, target, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target
        self.fields["role"].widget.attrs["data-role-select"] = json.dumps(
            {str(k): str(v) for k, v in ROLE_LEVEL.items()}
        )
        for name in RoleAssignment.NODE_FIELDS:
            field = self.fields[name]
            field.queryset = field.queryset.visible_to(user, capability=Capability.MANAGE_USERS)

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if not role:
            return cleaned
        level = ROLE_LEVEL[role]
        for name in RoleAssignment.NODE_FIELDS:
            if name != level:
                cleaned[name] = None
        if level == Level.CITY:
            cleaned["node"] = None
        elif cleaned.get(level) is None:
            self.add_error(
                level,
                _("角色“%(role)s”需要选择%(level)s。")
                % {"role": Role(role).label, "level": Level(level).label},
            )
            return cleaned
        else:
            cleaned["node"] = cleaned[level]
        if RoleAssignment.objects.filter(
            user=self.target, role=role, **{f"{n}": cleaned.get(n) for n in RoleAssignment.NODE_FIELDS}
        ).exists():
            raise forms.ValidationError(_("该用户已拥有这一授权。"))
        return cleaned


class ConfirmForm(forms.Form):
    """An explicit confirmation for destructive actions."""

    confirm = forms.BooleanField(label=_("我已确认此操作"), required=True)
