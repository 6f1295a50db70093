"""Views of the progress cycle, one module per feature, each with its `urlpatterns`."""
