from django.urls import path

from trellis.plans import views, views_turn

app_name = "plans"

P = "p/<slug:slug>/"

urlpatterns = [
    path(P, views.partnership_home, name="partnership-home"),
    path(P + "my-actions/", views.my_actions, name="my-actions"),
    path(P + "inspections/", views.inspection_list, name="inspection-list"),
    path(P + "inspections/new/", views.inspection_create, name="inspection-create"),
    path(P + "inspections/<int:pk>/", views.inspection_detail, name="inspection-detail"),
    path(P + "inspections/<int:pk>/edit/", views.inspection_edit, name="inspection-edit"),
    path(
        P + "inspections/<int:inspection_pk>/indicators/new/",
        views.quality_indicator_create,
        name="indicator-create",
    ),
    path(P + "indicators/<int:pk>/edit/", views.quality_indicator_edit, name="indicator-edit"),
    path(
        P + "inspections/<int:inspection_pk>/findings/new/",
        views.finding_create,
        name="finding-create",
    ),
    path(P + "findings/<int:pk>/edit/", views.finding_edit, name="finding-edit"),
    path(P + "plans/", views.plan_list, name="plan-list"),
    path(P + "plans/new/", views.plan_create, name="plan-create"),
    path(P + "plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path(P + "plans/<int:pk>/edit/", views.plan_edit, name="plan-edit"),
    path(P + "plans/<int:pk>/turn/", views_turn.plan_turn, name="plan-turn"),
    path(P + "plans/<int:plan_pk>/outcomes/new/", views.outcome_create, name="outcome-create"),
    path(P + "outcomes/<int:pk>/", views.outcome_detail, name="outcome-detail"),
    path(P + "outcomes/<int:pk>/edit/", views.outcome_edit, name="outcome-edit"),
    path(P + "outcomes/<int:outcome_pk>/drivers/new/", views.driver_create, name="driver-create"),
    path(P + "drivers/<int:pk>/edit/", views.driver_edit, name="driver-edit"),
    path(P + "drivers/<int:driver_pk>/actions/new/", views.action_create, name="action-create"),
    path(P + "actions/<int:pk>/", views.action_detail, name="action-detail"),
    path(P + "actions/<int:pk>/edit/", views.action_edit, name="action-edit"),
    path(
        P + "actions/<int:action_pk>/milestones/new/",
        views.milestone_create,
        name="milestone-create",
    ),
    path(P + "milestones/<int:pk>/edit/", views.milestone_edit, name="milestone-edit"),
]
