from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from invoices.api import errors
from pages.api_docs import ApiDocsView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("invoices.api.urls")),
    path("api/v1/", include("webhooks.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(), name="api-docs"),
    path("dashboard/", include("dashboard.urls")),  # with its login and password reset
    path("l/", include("links.urls")),  # payment links
    path("pos/", include("pos.urls")),  # point-of-sale terminals
    path("", include("ops.urls")),  # /metrics (/healthz, /readyz: ops.middleware)
    path("", include("checkout.urls")),
]


def handler400(request, exception=None):
    if request.path.startswith("/api/"):
        return errors.json_bad_request(request, exception)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return errors.json_not_found(request, exception)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    if request.path.startswith("/api/"):
        return errors.json_server_error(request)
    from django.views.defaults import server_error

    return server_error(request)
