"""The API reference page: Swagger UI from drf-spectacular-sidecar's static files, served by
the gateway itself (no CDN), under the same strict Content-Security-Policy as the payer's
pages: its init script is a separate same-origin file and its styles a static sheet."""

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView

from pages.security import policy


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api/docs.html"
    url_name = "schema"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # Swagger UI's stylesheet draws its icons as data: SVGs; nothing else is loosened.
        response["Content-Security-Policy"] = policy([], ["data:"])
        return response
