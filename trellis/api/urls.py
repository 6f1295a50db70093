"""/api/v1/: the collections (JSON and CSV), the writes, the document, the reference and
the token pages. Each collection has its own named route, so the permission matrix walks
every one."""

from django.urls import URLPattern, path

from trellis.api import pages, views, views_write
from trellis.api.registry import COLLECTIONS

app_name = "api"

urlpatterns: list[URLPattern] = [
    path("openapi.json", pages.openapi_json, name="openapi"),
    path("reference/", pages.reference, name="reference"),
    path("tokens/", pages.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke_view, name="token-revoke"),
    path("partnerships", views.partnerships, name="partnerships"),
    path("p/<slug:slug>/updates/<int:pk>/submit", views_write.update_submit, name="update-submit"),
    path(
        "p/<slug:slug>/measures/<int:pk>/observations",
        views_write.observation_save,
        name="observation-save",
    ),
    path(
        "p/<slug:slug>/milestones/<int:pk>/complete",
        views_write.milestone_complete,
        name="milestone-complete",
    ),
]

for _name in COLLECTIONS:
    urlpatterns += [
        path(
            f"p/<slug:slug>/{_name}.csv", views.collection_csv, {"name": _name}, name=f"{_name}-csv"
        ),
    ]

# Updates: GET lists them, POST saves a draft; one route, two endpoints.
urlpatterns += [
    path(f"p/<slug:slug>/{_name}", views.collection_json, {"name": _name}, name=_name)
    for _name in COLLECTIONS
    if _name != "updates"
]
urlpatterns += [path("p/<slug:slug>/updates", views_write.updates_endpoint, name="updates")]
