from django.urls import path

from trellis.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("password-reset/", views.ResetRequest.as_view(), name="reset-request"),
    path("password-reset/sent/", views.ResetSent.as_view(), name="reset-sent"),
    path("password-reset/<uidb64>/<token>/", views.ResetConfirm.as_view(), name="reset-confirm"),
    path("password-reset/done/", views.ResetDone.as_view(), name="reset-done"),
    path("p/<slug:slug>/people/", views.people, name="people"),
    path("p/<slug:slug>/people/invite/", views.person_invite, name="person-invite"),
    path("p/<slug:slug>/people/<int:pk>/", views.person_edit, name="person-edit"),
    path(
        "p/<slug:slug>/people/<int:pk>/deactivate/",
        views.person_deactivate,
        name="person-deactivate",
    ),
    path(
        "p/<slug:slug>/people/<int:pk>/hand-over/", views.person_hand_over, name="person-hand-over"
    ),
    path("p/<slug:slug>/directory/", views.directory, name="directory"),
    path("p/<slug:slug>/agencies/new/", views.agency_create, name="agency-create"),
    path("p/<slug:slug>/agencies/<int:pk>/edit/", views.agency_edit, name="agency-edit"),
    path("p/<slug:slug>/groups/new/", views.group_create, name="group-create"),
    path("p/<slug:slug>/groups/<int:pk>/edit/", views.group_edit, name="group-edit"),
]
