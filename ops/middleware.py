"""Probes answered before host validation: orchestrators and load balancers call /healthz
and /readyz by the pod's or machine's address, which ALLOWED_HOSTS rightly does not list.
(/metrics is not among them: it goes through the normal stack and its token.)"""

from ops import views

PROBES = {"/healthz": views.healthz, "/readyz": views.readyz}


class ProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        return probe(request) if probe else self.get_response(request)
