"""The served OpenAPI schema and its offline Swagger UI.

``GET /api/v1/schema/`` answers YAML by default; ``?format=json`` (or a JSON ``Accept``) answers JSON.  The
``format`` query parameter is honoured here only: the API as a whole turns DRF's URL format override off,
because ``format`` means something else on other endpoints (``manifests?format=yaml``, the answer's format;
``from-traffic?format=hubble``, the input's).

``GET /api/v1/docs/`` is Swagger UI from drf-spectacular-sidecar's static files (nothing from a CDN), in a page
without inline script or style, so the app's Content-Security-Policy holds on it too (plus ``data:`` images).
"""

from __future__ import annotations

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.negotiation import DefaultContentNegotiation


class FormatParameterNegotiation(DefaultContentNegotiation):
    """Content negotiation that reads ``?format=json|yaml`` (DRF's URL_FORMAT_OVERRIDE, for one view)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return super().select_renderer(request, renderers, format_suffix or request.query_params.get("format"))


class SchemaView(SpectacularAPIView):
    content_negotiation_class = FormatParameterNegotiation
    # YAML when nothing is asked for (as before); ?format=json picks plain application/json first
    renderer_classes = [OpenApiYamlRenderer, OpenApiYamlRenderer2, OpenApiJsonRenderer2, OpenApiJsonRenderer]


@method_decorator(csp_update({"img-src": ["data:"]}), name="dispatch")
class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI; its start-up script is served by the same view (``?script``), not inlined.  Its stylesheet
    draws its icons as ``data:`` SVG images: the one thing this page's CSP adds (images only; scripts and styles
    stay the app's own files)."""

    url_name = "schema"
    template_name = "api/swagger_ui.html"
