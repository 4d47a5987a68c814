"""Patrol pages."""

urlpatterns: list = []
