"""Decisions and meetings. Included at the root with no prefix, so every route names its
partnership like the other apps' do."""

from django.urls import path

from trellis.meetings import views, views_agenda

app_name = "meetings"

P = "p/<slug:slug>/"

urlpatterns = [
    path(P + "decisions/", views.decision_log_page, name="decision-log"),
    path(P + "decisions/<int:pk>/", views.decision_detail, name="decision-detail"),
    path(P + "decisions/<int:pk>/edit/", views.decision_edit, name="decision-edit"),
    path(P + "decisions/<int:pk>/new-aim/", views.decision_action_new, name="decision-action"),
    path(
        P + "actions/<int:action_pk>/decisions/new/",
        views.decision_on_action,
        name="decision-on-action",
    ),
    path(
        P + "actions/<int:action_pk>/challenge/decisions/new/",
        views.decision_on_thread,
        name="decision-on-thread",
    ),
    path(
        P + "measures/<int:measure_pk>/decisions/new/",
        views.decision_on_measure,
        name="decision-on-measure",
    ),
    path(P + "meetings/", views_agenda.meeting_list, name="meeting-list"),
    path(P + "meetings/<int:group_pk>/", views_agenda.meeting, name="meeting"),
]
