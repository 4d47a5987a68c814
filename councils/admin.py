"""The admin site, for superusers only: day-to-day management happens in the portal's own pages."""

from django.contrib import admin

from . import services
from .forms import AdminSignInForm
from .models import (
    Building,
    Community,
    Council,
    District,
    Membership,
    MemberUnit,
    RoleAssignment,
    SignInCounter,
    Street,
)


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name"]


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "district"]
    list_filter = ["kind", "district"]
    search_fields = ["name"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "street"]
    list_filter = ["street__district"]
    search_fields = ["name"]
    list_select_related = ["street"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "households"]
    search_fields = ["name", "community__name"]
    list_select_related = ["community"]


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "chair", "secretary_general", "status"]
    list_filter = ["status"]
    search_fields = ["name", "community__name"]
    list_select_related = ["community"]


@admin.register(MemberUnit)
class MemberUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "credit_code", "street", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["street"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["unit", "council", "position", "joined_on", "left_on"]
    list_select_related = ["unit", "council"]
    search_fields = ["unit__name", "council__name"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "district", "street", "community", "council", "member_unit"]
    list_filter = ["role"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "district", "street", "community", "council", "member_unit", "created_by"]


@admin.register(SignInCounter)
class SignInCounterAdmin(admin.ModelAdmin):
    list_display = ["username", "scope", "address", "failures", "locked_until", "last_attempt_at"]
    list_filter = ["scope"]
    search_fields = ["username", "address"]
    actions = ["lift"]

    @admin.action(description="解除所选账号的登录锁定（该用户名的全部锁定）")
    def lift(self, request, queryset):
        for username in set(queryset.values_list("username", flat=True)):
            services.sign_in_unlock(username=username, by=request.user)


# The admin's sign-in goes through the same lockout (councils/auth.py) and explains it alike.
admin.site.login_form = AdminSignInForm
