"""URLs of the assessments app: work pages."""

urlpatterns: list = []
