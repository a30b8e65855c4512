from django.urls import path
from rest_framework.routers import SimpleRouter

from editor.api import analysis, docs, sharing, traffic, views

router = SimpleRouter()
router.register("designs", views.DesignViewSet, basename="design")

LIST = {"get": "list", "post": "create"}
DETAIL = {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}

urlpatterns = [
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.SwaggerView.as_view(), name="api-docs"),
    # import, reachability, truth table (issue 4); before the router so "import" is not read as an id
    path("designs/import/", analysis.DesignImportView.as_view(), name="api-design-import"),
    # observed traffic (issue 13: editor/api/traffic.py)
    path("designs/from-traffic/", traffic.DesignFromTrafficView.as_view(), name="api-design-from-traffic"),
    path("designs/<int:pk>/traffic-check/", traffic.TrafficCheckView.as_view(), name="api-design-traffic-check"),
    path("designs/<int:pk>/reachability/", analysis.ReachabilityView.as_view(), name="api-design-reachability"),
    path("designs/<int:pk>/matrix/", analysis.MatrixView.as_view(), name="api-design-matrix"),
    path("designs/<int:pk>/connections/", analysis.ConnectionsView.as_view(), name="api-design-connections"),
    path("designs/<int:pk>/diff/", analysis.DiffView.as_view(), name="api-design-diff"),
    path("designs/<int:pk>/policies/", analysis.KeptPolicyListView.as_view(), name="api-kept-policies"),
    path(
        "designs/<int:pk>/policies/<int:policy_pk>/",
        analysis.KeptPolicyDetailView.as_view(),
        name="api-kept-policy",
    ),
    *router.urls,
]
for prefix, viewset in (
    ("namespaces", views.NamespaceViewSet),
    ("workloads", views.WorkloadViewSet),
    ("externals", views.ExternalViewSet),
    ("flows", views.FlowViewSet),
):
    urlpatterns += [
        path(f"designs/<int:design_pk>/{prefix}/", viewset.as_view(LIST), name=f"{prefix}-list"),
        path(f"designs/<int:design_pk>/{prefix}/<int:pk>/", viewset.as_view(DETAIL), name=f"{prefix}-detail"),
    ]
# sharing and history (editor/api/sharing.py)
urlpatterns += [
    path("designs/<int:design_pk>/shares/", sharing.ShareViewSet.as_view(LIST), name="shares-list"),
    path(
        "designs/<int:design_pk>/shares/<int:pk>/",
        sharing.ShareViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="shares-detail",
    ),
    path("designs/<int:design_pk>/links/", sharing.LinkViewSet.as_view(LIST), name="links-list"),
    path(
        "designs/<int:design_pk>/links/<int:pk>/",
        sharing.LinkViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="links-detail",
    ),
    path("designs/<int:design_pk>/revisions/", sharing.RevisionViewSet.as_view({"get": "list"}), name="revisions-list"),
    path(
        "designs/<int:design_pk>/revisions/<int:number>/",
        sharing.RevisionViewSet.as_view({"get": "retrieve"}),
        name="revisions-detail",
    ),
    path(
        "designs/<int:design_pk>/revisions/<int:number>/restore/",
        sharing.RevisionViewSet.as_view({"post": "restore"}),
        name="revisions-restore",
    ),
]
