"""Admin for superusers: the purpose categories are configured here (issue 4 §1). Ledger rows
are append-only, so the admin shows them read-only."""

from django.contrib import admin

from .models import Category, LedgerEntry


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "earmarked", "active", "order"]
    list_editable = ["earmarked", "active", "order"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = ["number", "fund", "kind", "entry_date", "amount", "counterparty"]
    list_filter = ["kind", "year"]
    list_select_related = ["fund__council"]
    exclude = ["receipt"]  # the admin would link it under /media/, which is not served (issue 14 §1)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False  # entries go through the portal's services, which number and check them
