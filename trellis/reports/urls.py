from django.urls import path

from trellis.reports import views, views_issued

app_name = "reports"

P = "p/<slug:slug>/"

urlpatterns = [
    path(P + "plans/<int:plan_pk>/milestones/", views.plan_milestones, name="plan-milestones"),
    *views_issued.urlpatterns,
]
