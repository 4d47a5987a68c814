"""URLs of the assessments app: setup pages."""

urlpatterns: list = []
