"""The progress cycle's pages. Each feature keeps its routes in its own module."""

from trellis.progress.views import comments, evidence, overview, periods, reminders, updates

app_name = "progress"

urlpatterns = [
    *updates.urlpatterns,
    *periods.urlpatterns,
    *evidence.urlpatterns,
    *comments.urlpatterns,
    *overview.urlpatterns,
    *reminders.urlpatterns,
]
