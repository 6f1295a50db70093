"""Improvement projects and quality assurance. Each feature keeps its routes in its own
view module; every route is under the partnership's /p/<slug>/."""

from trellis.improvement.views import audits, cycles, evidence, grading, projects

app_name = "improvement"

urlpatterns = [
    *projects.urlpatterns,
    *cycles.urlpatterns,
    *audits.urlpatterns,
    *grading.urlpatterns,
    *evidence.urlpatterns,
]
