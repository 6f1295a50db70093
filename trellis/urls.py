from django.urls import include, path

from trellis import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("", include("trellis.accounts.urls")),
    path("", include("trellis.plans.urls")),
    path("", include("trellis.progress.urls")),
    path("", include("trellis.measures.urls")),
    path("", include("trellis.casedata.urls")),
    path("", include("trellis.reports.urls")),
    path("", include("trellis.transfer.urls")),
    path("", include("trellis.meetings.urls")),
    path("", include("trellis.improvement.urls")),
    path("api/v1/", include("trellis.api.urls")),
]

handler400 = "trellis.views.bad_request"
handler403 = "trellis.views.permission_denied"
handler404 = "trellis.views.page_not_found"
handler500 = "trellis.views.server_error"
