"""io pages."""

urlpatterns: list = []
