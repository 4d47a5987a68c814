"""URLs of the assessments app: reports pages."""

urlpatterns: list = []
