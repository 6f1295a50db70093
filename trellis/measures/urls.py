"""The measures' pages. Each feature keeps its routes in its own module."""

from trellis.measures.views import board, figures, setup

app_name = "measures"

urlpatterns = [
    *board.urlpatterns,
    *setup.urlpatterns,
    *figures.urlpatterns,
]
