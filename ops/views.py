"""/healthz, /readyz and /metrics: for load balancers, orchestrators and Prometheus."""

import hmac

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from ops import checks
from ops.metrics import GatewayCollector


@never_cache
@require_GET
def healthz(request):
    """The process is up and serving (nothing else is asked: restarting it would not help
    with a database that is down)."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """200 when every check passes, else 503 with the failing ones named."""
    results = checks.readiness(timezone.now())
    failing = [check.name for check in results if not check.ok]
    return JsonResponse(
        {
            "status": "failing" if failing else "ok",
            "failing": failing,
            "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in results},
        },
        status=503 if failing else 200,
    )


def _authorized(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return bool(token) and hmac.compare_digest(given.encode(), token.encode())


@never_cache
@require_GET
def metrics(request):
    """Prometheus text format, for `Authorization: Bearer $METRICS_TOKEN`. Without a token
    configured the endpoint does not exist."""
    if not settings.METRICS_TOKEN:
        raise Http404
    if not _authorized(request):
        return HttpResponse(
            "metrics need Authorization: Bearer <METRICS_TOKEN>\n",
            status=401,
            content_type="text/plain",
            headers={"WWW-Authenticate": "Bearer"},
        )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(GatewayCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
