from django.urls import path

from trellis.transfer import views

app_name = "transfer"

P = "p/<slug:slug>/"

urlpatterns = [
    path(P + "plans/import/", views.import_start, name="import"),
    path(P + "imports/<int:pk>/", views.review, name="review"),
    path(P + "imports/<int:pk>/discard/", views.discard, name="discard"),
    path(P + "plans/<int:pk>/export/", views.export_page, name="export"),
    path(P + "plans/<int:pk>/export/<str:fmt>/", views.download, name="download"),
]
