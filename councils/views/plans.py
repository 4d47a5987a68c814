"""plans pages."""

urlpatterns: list = []
