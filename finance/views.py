"""Finance pages."""

urlpatterns: list = []
