"""Admin for superusers: the rectification deadline of each finding category (issue 5 §4)."""

from django.contrib import admin

from .models import CategoryDeadline


@admin.register(CategoryDeadline)
class CategoryDeadlineAdmin(admin.ModelAdmin):
    list_display = ["category", "days"]
