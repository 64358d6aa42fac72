"""The served OpenAPI document is valid, typed and complete enough to generate a client from:
no generator warning, every operation named and typed, every error documented."""

import pytest
from django.core.management import call_command
from openapi_spec_validator import validate

OPERATION_IDS = {
    "createInvoice",
    "getInvoice",
    "getInvoiceByForeignId",
    "listInvoices",
    "createRefund",
    "cancelRefund",
    "markRefundPaid",
    "listRefunds",
    "getRefund",
    "cancelInvoice",
    "cancelInvoiceByForeignId",
    "archiveInvoice",
    "unarchiveInvoice",
    "resolveInvoice",
    "reviewInvoice",
    "listCurrencies",
    "getRate",
    "listEvents",
    "redeliverEvent",
    "getMerchant",
    "updateMerchant",
    "rotateCallbackSecret",
    "sendTestCallback",
    "listWallets",
    "setWallet",
    "paySandboxInvoice",
    "mineSandboxBlocks",
    "listWebhookEndpoints",
    "createWebhookEndpoint",
    "getWebhookEndpoint",
    "updateWebhookEndpoint",
    "deleteWebhookEndpoint",
    "rotateWebhookEndpointSecret",
    "listWebhookEndpointDeliveries",
    "redeliverWebhookDelivery",
}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_the_generator_validates_the_schema_with_no_warning():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_the_served_schema_is_valid_openapi(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.1")


def test_every_operation_has_its_human_id_a_tag_and_the_bearer_scheme(schema):
    assert {op["operationId"] for _, _, op in operations(schema)} == OPERATION_IDS
    assert all(op.get("tags") for _, _, op in operations(schema))
    scheme = schema["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert all(op["security"] == [{"bearerAuth": []}] for _, _, op in operations(schema))


def test_every_response_is_typed_and_every_error_is_the_error_shape(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        assert {"401", "429"} <= set(responses), (method, path)
        for status, response in responses.items():
            body = response["content"]["application/json"]["schema"]
            if status.startswith("4"):
                assert body == {"$ref": "#/components/schemas/Error"}, (method, path, status)
            else:
                assert resolve(schema, body).get("properties") or "oneOf" in resolve(
                    schema, body
                ), (method, path, status)
            headers = response["headers"]
            assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(headers)
            assert ("Retry-After" in headers) == (status == "429")


def test_the_errors_each_operation_can_answer_are_documented(schema):
    answers = {op["operationId"]: set(op["responses"]) for _, _, op in operations(schema)}
    assert {"400", "409", "422"} <= answers["createInvoice"]
    assert "404" in answers["getInvoice"] and "409" in answers["cancelInvoice"]
    assert {"404", "409", "422"} <= answers["resolveInvoice"]
    assert "403" in answers["setWallet"] and "403" in answers["updateMerchant"]
    error = schema["components"]["schemas"]["ErrorDetail"]
    assert set(error["required"]) == {"type", "code", "message", "param"}


def test_every_mutating_post_documents_the_idempotency_key_and_its_replay_header(schema):
    for path, method, operation in operations(schema):
        names = {p["name"] for p in operation.get("parameters", [])}
        if method == "post":
            assert "Idempotency-Key" in names, path
            success = next(r for s, r in operation["responses"].items() if s.startswith("2"))
            assert "Idempotent-Replayed" in success["headers"], path
            assert {"400", "409"} <= set(operation["responses"]), path  # bad or reused key
        else:
            assert "Idempotency-Key" not in names, path


def test_list_filters_and_page_envelopes(schema):
    listing = schema["paths"]["/api/v1/invoices"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {
        "status",
        "foreign_id",
        "search",
        "archived",
        "created_after",
        "created_before",
        "cursor",
        "limit",
    }
    events = schema["paths"]["/api/v1/events"]["get"]
    assert {p["name"] for p in events["parameters"]} == {
        "invoice",
        "endpoint",
        "type",
        "delivered",
        "failing",
        "cursor",
        "limit",
    }
    for page in (
        "InvoicePage",
        "EventPage",
        "CurrencyPage",
        "WalletPage",
        "WebhookEndpointPage",
        "DeliveryPage",
    ):
        component = schema["components"]["schemas"][page]
        assert set(component["required"]) == {"data", "has_more", "next_cursor"}
        assert component["properties"]["next_cursor"]["type"] == ["string", "null"]


def test_enums_are_named_and_non_empty(schema):
    components = schema["components"]["schemas"]
    assert components["ResolveAction"]["enum"] == ["complete", "refund"]
    assert components["ReviewAction"]["enum"] == ["approve", "decline"]
    assert "compliance_review" in components["InvoiceStatus"]["enum"]
    assert components["TransactionStatus"]["enum"] == ["pending", "confirmed", "reverted"]
    assert "transaction_updated" in components["EventType"]["enum"]
    for name, component in components.items():
        if "enum" in component:
            assert component["enum"], name


def test_invoice_fields_are_typed_nullable_where_null_and_decimals_have_a_pattern(schema):
    invoice = schema["components"]["schemas"]["Invoice"]["properties"]
    for field in ("price_amount", "paid_amount", "insurance_percent"):
        assert invoice[field]["type"] == "string" and invoice[field]["pattern"], field
    for field in ("pay_amount", "remaining_amount", "excess_amount", "rate"):
        assert invoice[field]["type"] == ["string", "null"] and invoice[field]["pattern"], field
    for field in ("foreign_id", "address", "expires_at", "callback_url"):
        assert "null" in invoice[field]["type"], field
    assert invoice["livemode"]["type"] == "boolean"
    transaction = schema["components"]["schemas"]["Transaction"]["properties"]
    assert {"asset", "network", "counted", "paid_at", "confirmations"} <= set(transaction)
    merchant = schema["components"]["schemas"]["Merchant"]["properties"]
    assert merchant["callback_failing_since"]["type"] == ["string", "null"]


def test_resolve_answers_an_invoice_or_a_refund(schema):
    resolve_op = schema["paths"]["/api/v1/invoices/{invoice_id}/resolve"]["post"]
    body = resolve(schema, resolve_op["responses"]["200"]["content"]["application/json"]["schema"])
    assert body["oneOf"] == [
        {"$ref": "#/components/schemas/Invoice"},
        {"$ref": "#/components/schemas/Refund"},
    ]


def test_callbacks_are_webhooks_with_their_signature(schema):
    webhook = schema["webhooks"]["invoiceEvent"]["post"]
    assert webhook["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CallbackEvent"
    }
    assert [p["name"] for p in webhook["parameters"]] == ["X-Signature"]
    event = schema["components"]["schemas"]["CallbackEvent"]["properties"]
    assert event["data"] == {"$ref": "#/components/schemas/Invoice"}


def test_links_say_which_operations_take_a_created_invoice_id(schema):
    created = schema["paths"]["/api/v1/invoices"]["post"]["responses"]["201"]["links"]
    assert created["getInvoice"] == {
        "operationId": "getInvoice",
        "parameters": {"invoice_id": "$response.body#/id"},
    }
    assert created["cancelInvoiceByForeignId"]["parameters"] == {
        "foreign_id": "$response.body#/foreign_id"
    }
    targets = {link["operationId"] for link in created.values()}
    assert targets <= OPERATION_IDS
