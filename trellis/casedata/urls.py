"""The case-level data pages."""

from trellis.casedata.views import urlpatterns

app_name = "casedata"

__all__ = ["app_name", "urlpatterns"]
