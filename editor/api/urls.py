from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from editor.api import views

router = SimpleRouter()
router.register("designs", views.DesignViewSet, basename="design")

LIST = {"get": "list", "post": "create"}
DETAIL = {"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
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
