from django.urls import path

from ops import views

# /healthz and /readyz are answered by ops.middleware.ProbeMiddleware, before host checks.
urlpatterns = [path("metrics", views.metrics, name="metrics")]
