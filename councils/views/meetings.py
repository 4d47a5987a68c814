"""meetings pages."""

urlpatterns: list = []
