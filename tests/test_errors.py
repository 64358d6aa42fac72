"""The one error catalogue (core.errors): every code renders in the API's shape with its
status and type; no module names a code as a free string; every field code the API's
serializers can answer is in the catalogue; the README's table lists exactly the codes;
the dashboard and the checkout render the same errors in the reader's language."""

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation
from rest_framework import exceptions
from rest_framework import serializers as drf

from core.errors import ErrorCode, ErrorType, GatewayError
from invoices import lifecycle
from invoices.api import errors as api_errors
from invoices.api import serializers as api_serializers

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ["config", "ops", "worker", "dashboard", "checkout", "links", "webhooks", "pages"]
PRODUCT += ["invoices", "merchants", "chains", "core"]
TYPE_BY_STATUS = {
    401: ErrorType.AUTHENTICATION,
    403: ErrorType.PERMISSION,
    429: ErrorType.RATE_LIMIT,
    500: ErrorType.API,
}


@pytest.mark.parametrize("code", list(ErrorCode), ids=str)
def test_every_code_renders_in_the_api_shape_with_its_status(code):
    response = api_errors.exception_handler(GatewayError(code, "field"), {})
    assert response.status_code == code.http_status
    body = response.data["error"]
    assert (body["code"], body["type"], body["param"]) == (code.value, code.error_type, "field")
    assert body["message"]
    assert code.error_type == TYPE_BY_STATUS.get(code.http_status, ErrorType.INVALID_REQUEST)


def test_a_template_is_filled_where_it_is_read_in_the_active_language():
    error = GatewayError(ErrorCode.RETURN_URL_NOT_ALLOWED, "return_url", host="evil.example")
    assert error.message == "evil.example is not one of the merchant's allowed return hosts"
    with translation.override("de"):
        assert "evil.example ist keiner der erlaubten" in str(error)
    assert api_errors.error_body(error)["error"]["message"].startswith("evil.example is not")


def test_the_state_machine_refuses_in_the_family_and_translated():
    with pytest.raises(GatewayError) as refused:
        lifecycle.check_action("cancel", lifecycle.COMPLETED)
    assert (refused.value.code, refused.value.status) == (ErrorCode.INVALID_STATE, 409)
    english = refused.value.message
    assert english.startswith("cannot cancel an invoice that is completed; allowed from:")
    for language in ("de", "es", "fr"):
        with translation.override(language):
            assert refused.value.message != english


@pytest.mark.parametrize("language", ["de", "es", "fr"])
def test_every_message_template_is_translated(language):
    """The dashboard shows these in the member's language (locale/*.po, compiled)."""
    untranslated = []
    for code in ErrorCode:
        with translation.override("en"):
            english = str(code.template)
        with translation.override(language):
            if str(code.template) == english:
                untranslated.append(code.value)
    assert untranslated == []


def test_framework_errors_are_said_as_catalogue_codes():
    throttled = api_errors.exception_handler(exceptions.Throttled(wait=7), {})
    assert (throttled.status_code, throttled.data["error"]["code"]) == (429, "rate_limited")
    assert throttled.headers["Retry-After"] == "7"
    unknown = exceptions.ValidationError({"x": [drf.ErrorDetail("no", code="not_in_catalogue")]})
    body = api_errors.exception_handler(unknown, {}).data["error"]
    assert (body["code"], body["param"], body["message"]) == ("invalid", "x", "x: no")


def _fields(serializer):
    for field in serializer.fields.values():
        if field.read_only:
            continue
        yield field
        if isinstance(field, drf.BaseSerializer):
            yield from _fields(field)
        if getattr(field, "child", None) is not None:
            yield field.child


def test_every_field_code_the_api_can_answer_is_in_the_catalogue():
    """DRF's own field codes (and our fields') reach the API's `code` unchanged: each must be
    in the published enum, or a generated client could not read the error."""
    serializers = [
        cls
        for cls in vars(api_serializers).values()
        if isinstance(cls, type)
        and issubclass(cls, drf.Serializer)
        and cls.__module__ == api_serializers.__name__
    ]
    codes = {key for cls in serializers for field in _fields(cls()) for key in field.error_messages}
    assert len(serializers) >= 7 and {"required", "invalid", "max_length", "float"} <= codes
    assert sorted(codes - {code.value for code in ErrorCode}) == []


def _product_modules():
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_no_module_names_an_error_code_as_a_free_string():
    """A code is written ErrorCode.X: a string literal equal to a code given to an exception
    (or ValidationError / ErrorDetail) or as any `code=` is a code outside the catalogue's
    reach. Codes that are plain words (`invalid`, `required`…) are too common to look for."""
    codes = {code.value for code in ErrorCode if "_" in code.value}
    raising = re.compile(r"(Error|Exception|Detail|Refused|Conflict|NotFound)$")
    found = []
    for path in _product_modules():
        if path == ROOT / "core" / "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
            values = [keyword.value for keyword in node.keywords if keyword.arg == "code"]
            if raising.search(name):
                values += [*node.args, *(keyword.value for keyword in node.keywords)]
            found += [
                f"{path.relative_to(ROOT)}:{value.lineno} {value.value!r}"
                for value in values
                if isinstance(value, ast.Constant) and value.value in codes
            ]
    assert found == []


def test_no_other_exception_family_is_defined():
    """The refusals a person acts on are GatewayErrors; the old families are gone."""
    names = re.compile(r"^class (ServiceError|Conflict|Refused|NotFound|TransitionNotAllowed)\b")
    found = [
        str(path.relative_to(ROOT))
        for path in _product_modules()
        if any(names.match(line) for line in path.read_text().splitlines())
    ]
    assert found == []


def test_the_readme_lists_every_code_with_its_status():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Errors", 1)[1].split("| Code | HTTP | When |", 1)[1]
    rows = [row for row in table.split("\n\n", 1)[0].splitlines()[2:] if row.startswith("|")]
    listed = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        for code in re.findall(r"`([a-z_]+)`", cells[0]):
            assert code not in listed, f"{code} listed twice"
            listed[code] = int(cells[1])
    catalogue = {code.value: code.http_status for code in ErrorCode}
    assert sorted(set(catalogue) - set(listed)) == [], "missing from the README"
    assert sorted(set(listed) - set(catalogue)) == [], "in the README, not in core/errors.py"
    assert listed == catalogue, "statuses differ"


@pytest.mark.django_db
def test_the_dashboard_shows_a_state_refusal_as_a_translated_sentence(client, django_user_model):
    from dashboard import errors as dashboard_errors

    error = GatewayError(
        ErrorCode.INVALID_STATE, action="cancel", status="completed", allowed="new, pending"
    )
    assert dashboard_errors.sentence(error) == (
        "Cannot cancel an invoice that is completed; allowed from: new, pending."
    )
    with translation.override("de"):
        german = dashboard_errors.sentence(error)
    assert german[0].isupper() and german.endswith(".") and "completed" in german


def test_the_checkout_never_shows_the_merchants_reason():
    from checkout.errors import select_error

    no_wallet = GatewayError(ErrorCode.NO_WALLET, family="bitcoin")
    assert "wallet" not in select_error(no_wallet, payment_seen=False)
    state = GatewayError(ErrorCode.INVALID_STATE, action="x", status="pending", allowed="new")
    assert "payment was already seen" in select_error(state, payment_seen=True)
    assert "no longer accepts a currency choice" in select_error(state, payment_seen=False)


def test_one_code_has_one_status_wherever_the_api_answers_it(api, create_invoice):
    """An amount the sandbox cannot take is the same 400 as a price that is not an amount
    (the sandbox answered 422 before the catalogue gave each code one status)."""
    invoice = create_invoice(pay_currency="USDT", network="sandbox")
    paid = api.post(f"/api/v1/sandbox/invoices/{invoice['id']}/pay", {"amount": "0"}, format="json")
    priced = api.post(
        "/api/v1/invoices", {"price_amount": "0", "price_currency": "USD"}, format="json"
    )
    assert paid.status_code == priced.status_code == 400
    assert paid.json()["error"]["code"] == priced.json()["error"]["code"] == "invalid_amount"
    assert paid.json()["error"]["param"] == "amount"


def test_a_wallet_keys_refusal_is_translated_and_the_api_keeps_its_english():
    from chains import hd

    with pytest.raises(GatewayError) as refused:
        hd.validate_xpub("bitcoin", "")
    assert refused.value.message == "no key given; paste the account's extended public key " + (
        "(zpub/xpub)"
    )
    with translation.override("de"):
        assert refused.value.message.startswith("kein Schlüssel angegeben;")
