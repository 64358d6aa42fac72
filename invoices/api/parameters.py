"""Query parameters an endpoint does not take are a 400, not silently ignored.

`?q=zzz` on a list that knows no `q` would otherwise answer everything, as if the filter
had matched. What an endpoint takes is what its `extend_schema` declares, so the OpenAPI
document and the server cannot disagree: the check reads the declared query parameters
of the handler that will run (a DRF permission, so it applies to every API view and runs
before any of its work)."""

from __future__ import annotations

from functools import cache

from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import BasePermission

from core.errors import ErrorCode, GatewayError


@cache
def declared(view_class: type, method: str) -> frozenset[str]:
    """The query parameters the handler's `extend_schema` declares (none without one)."""
    handler = getattr(view_class, method.lower(), None)
    # Where extend_schema keeps a method's schema class (drf-spectacular reads it there too).
    schema_class = getattr(handler, "kwargs", {}).get("schema")
    if schema_class is None:
        return frozenset()
    schema = schema_class()
    # extend_schema's scope asks the view for its API version (none here are versioned).
    schema.view, schema.method = view_class(request=None, kwargs={}), method.upper()
    return frozenset(
        parameter.name
        for parameter in schema.get_override_parameters()
        if isinstance(parameter, OpenApiParameter) and parameter.location == "query"
    )


class KnownQueryParameters(BasePermission):
    """Refuses a request with a query parameter its endpoint does not declare, naming it."""

    def has_permission(self, request, view) -> bool:
        known = declared(view.__class__, request.method)
        for name in request.query_params:
            if name not in known:
                raise GatewayError(
                    ErrorCode.UNKNOWN_PARAMETER,
                    name,
                    parameter=name,
                    known=", ".join(sorted(known)) or "none",
                )
        return True
