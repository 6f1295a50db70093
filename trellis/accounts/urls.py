from django.urls import path

from trellis.accounts import mfa_views, sso_views, views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("sign-in/code/", mfa_views.sign_in_code, name="sign-in-code"),
    path("sign-in/sso/return/", sso_views.sso_callback, name="sso-callback"),
    path("sign-in/sso/<slug:slug>/", sso_views.sso_start, name="sso-start"),
    path("sign-in/set-up/", mfa_views.sign_in_set_up, name="sign-in-set-up"),
    path("account/two-step/", mfa_views.security, name="security"),
    path("account/two-step/set-up/", mfa_views.security_set_up, name="security-set-up"),
    path("account/two-step/recovery-codes/", mfa_views.recovery_codes, name="recovery-codes"),
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
    path(
        "p/<slug:slug>/people/<int:pk>/sign-out/",
        views.person_end_sessions,
        name="person-end-sessions",
    ),
    path(
        "p/<slug:slug>/people/<int:pk>/two-step/",
        mfa_views.person_mfa_reset,
        name="person-mfa-reset",
    ),
    path("p/<slug:slug>/single-sign-on/", sso_views.sso_settings, name="sso-settings"),
    path("p/<slug:slug>/directory/", views.directory, name="directory"),
    path("p/<slug:slug>/agencies/new/", views.agency_create, name="agency-create"),
    path("p/<slug:slug>/agencies/<int:pk>/edit/", views.agency_edit, name="agency-edit"),
    path("p/<slug:slug>/groups/new/", views.group_create, name="group-create"),
    path("p/<slug:slug>/groups/<int:pk>/edit/", views.group_edit, name="group-edit"),
]
