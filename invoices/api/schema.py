"""The OpenAPI contract beyond the response shapes (`invoices.representation`): the errors
each operation can answer, the parameters, the bearer scheme, the response headers, links
and the callbacks as webhooks.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiWebhook, extend_schema

from invoices.representation import CallbackEventResponse, ErrorResponse, TestCallbackEventResponse

# Enum sets of the requests, named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] (those of
# the responses are in `invoices.representation`).
RESOLVE_ACTIONS = ["complete", "refund"]
REVIEW_ACTIONS = ["approve", "decline"]
REFUND_AMOUNTS = ["received", "excess"]


def component(name: str) -> dict:
    """A reference to a named component (an enum named in ENUM_NAME_OVERRIDES), for places
    drf-spectacular's enum naming does not reach: parameters and webhooks."""
    return {"$ref": f"#/components/schemas/{name}"}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "merchants.auth.ApiKeyAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "`Authorization: Bearer <api key>` (`cg_live_…` or `cg_test_…`)",
        }


# --- errors, parameters ------------------------------------------------------------------

_ERRORS = {
    400: "invalid_request: a field or parameter is malformed (`param` names it)",
    401: "authentication_error: no API key, or an invalid or revoked one",
    403: "permission_error: `insufficient_scope`, the key's scope does not allow this; "
    "`test_key_required`, a sandbox operation asked with a live key",
    404: "not_found: no such resource for this key's merchant",
    409: "the resource's state does not allow this, or the Idempotency-Key was used with "
    "another request or is still being processed",
    415: "the body is not JSON",
    422: "the request is understood but cannot be done (the `code` says why)",
    429: "rate_limit_error: too many requests; wait `Retry-After` seconds",
}


def errors(*codes) -> dict:
    """Error responses: 401 and 429 always, plus the given statuses."""
    return {
        code: OpenApiResponse(ErrorResponse, description=_ERRORS[code])
        for code in sorted({401, 429, *codes})
    }


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"},
    OpenApiParameter.HEADER,
    description="Retry safely: the same key and body within 24 h return the first response "
    "(with `Idempotent-Replayed: true`); the same key with another body is a 409. "
    "1 to 255 characters, not all blank.",
)
CURSOR = OpenApiParameter("cursor", str, description="`next_cursor` of the previous page")
LIMIT = OpenApiParameter("limit", int, description="page size, 1 to 100 (default 50)")

# --- headers (added to every response by `postprocess`) ------------------------------------

HEADERS = {
    "RateLimit-Limit": {
        "description": "requests allowed per window for this API key",
        "schema": {"type": "integer"},
    },
    "RateLimit-Remaining": {
        "description": "requests left in the current window",
        "schema": {"type": "integer"},
    },
    "RateLimit-Reset": {
        "description": "seconds until the window resets",
        "schema": {"type": "integer"},
    },
    "Retry-After": {
        "description": "seconds to wait before retrying",
        "schema": {"type": "integer"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored first response "
        "to a request with the same Idempotency-Key",
        "schema": {"type": "string", "enum": ["true"]},
    },
}
RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


_BY_ID = {"invoice_id": "$response.body#/id"}
_BY_FOREIGN_ID = {"foreign_id": "$response.body#/foreign_id"}
# OpenAPI links: what a response's ids let a client (or a stateful fuzzer) call next.
LINKS = {
    ("createInvoice", "201"): {
        **{
            name: _BY_ID
            for name in (
                "getInvoice",
                "cancelInvoice",
                "archiveInvoice",
                "unarchiveInvoice",
                "resolveInvoice",
                "reviewInvoice",
                "paySandboxInvoice",
            )
        },
        "getInvoiceByForeignId": _BY_FOREIGN_ID,
        "cancelInvoiceByForeignId": _BY_FOREIGN_ID,
    },
    ("listEvents", "200"): {"redeliverEvent": {"event_id": "$response.body#/data/0/id"}},
}


def postprocess(result, generator, request, public):
    """Reference the rate-limit headers from every response, `Retry-After` from every 429
    and `Idempotent-Replayed` from the successes of operations taking an Idempotency-Key;
    add the links; give the webhooks their signature header (OpenApiWebhook takes no parameters)."""
    result.setdefault("components", {})["headers"] = HEADERS
    for path in result.get("paths", {}).values():
        for operation in path.values():
            idempotent = any(
                p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])
            )
            for status, response in operation.get("responses", {}).items():
                names = list(RATE_LIMIT_HEADERS)
                if status == "429":
                    names.append("Retry-After")
                if idempotent and status.startswith("2"):
                    names.append("Idempotent-Replayed")
                response["headers"] = {
                    name: {"$ref": f"#/components/headers/{name}"} for name in names
                }
                if links := LINKS.get((operation.get("operationId"), status)):
                    response["links"] = {
                        target: {"operationId": target, "parameters": params}
                        for target, params in links.items()
                    }
    for name, webhook in result.get("webhooks", {}).items():
        webhook["post"].update(operationId=name, parameters=[SIGNATURE_HEADER])
    return result


# --- callbacks ----------------------------------------------------------------------------


SIGNATURE_HEADER = {
    "name": "X-Signature",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": '`t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`; for 24 h '
    "after a rotation a second `v1=` signed with the old secret is included.",
}

invoice_event = OpenApiWebhook(
    name="invoiceEvent",
    decorator=extend_schema(
        summary="An invoice changed",
        description="POSTed to the invoice's `callback_url` (or the merchant's). Any 2xx within "
        "10 s counts as delivered; otherwise it is retried with backoff for 3 days.",
        request=CallbackEventResponse,
        responses={200: OpenApiResponse(description="received")},
    ),
)

test_event = OpenApiWebhook(
    name="testEvent",
    decorator=extend_schema(
        summary="A test event (POST /merchant/test-callback)",
        request=TestCallbackEventResponse,
        responses={200: OpenApiResponse(description="received")},
    ),
)
