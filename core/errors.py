"""The one list of error codes, and the one exception every layer raises with them.

Each `ErrorCode` is a stable string an integrator can switch on, with the HTTP status and
error type the API answers it with and a message template (translatable, with named
placeholders). A refusal anywhere — a service, the state machine, a key that cannot be
parsed — is a `GatewayError`; each surface renders it once: the API as its error body
(invoices.api.errors), the payer's pages and the dashboard in their words
(checkout.errors, dashboard.errors). The README's table of codes is checked against this.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    Text = str | _StrPromise


class ErrorType(StrEnum):
    """The error's broad kind, the `type` of the API's error body."""

    INVALID_REQUEST = "invalid_request"
    AUTHENTICATION = "authentication_error"
    PERMISSION = "permission_error"
    RATE_LIMIT = "rate_limit_error"
    API = "api_error"


class ErrorCode(StrEnum):
    """code = "value", HTTP status, message template[, type (default invalid_request)].

    Codes marked "a field's" come from the request's validation (DRF's own field codes and
    ours), with the field's message; the rest are raised as `GatewayError`."""

    _value_: str
    http_status: int
    template: Text
    error_type: ErrorType

    def __new__(
        cls,
        code: str,
        status: int,
        template: Text,
        error_type: ErrorType = ErrorType.INVALID_REQUEST,
    ) -> ErrorCode:
        member = str.__new__(cls, code)
        member._value_ = code
        member.http_status, member.template, member.error_type = status, template, error_type
        return member

    @classmethod
    def lookup(cls, code: object) -> ErrorCode | None:
        """The member of this code, None for one outside the catalogue (`ErrorCode(code)`
        reads, to a type checker, as making a member)."""
        return next((member for member in cls if member.value == code), None)

    # --- the request itself (400, 415) ---
    MALFORMED_JSON = "malformed_json", 400, _("the body is not valid JSON")
    UNSUPPORTED_MEDIA_TYPE = (
        "unsupported_media_type",
        415,
        _("the body must be JSON (Content-Type: application/json)"),
    )
    MALFORMED_REQUEST = (
        "malformed_request",
        400,
        _("the request body could not be read; send JSON (Content-Type: application/json)"),
    )
    REQUEST_TOO_LARGE = (
        "request_too_large",
        413,
        _("the request body is larger than the %(limit)s bytes the API accepts"),
    )
    INVALID_REQUEST = "invalid_request", 400, _("expected a JSON object")
    UNKNOWN_FIELD = "unknown_field", 400, _("unknown field %(field)s")
    UNKNOWN_PARAMETER = (
        "unknown_parameter",
        400,
        _("%(parameter)s is not a query parameter of this endpoint (it takes %(known)s)"),
    )
    INVALID_TEXT = "invalid_text", 400, _("NUL characters are not allowed in requests")

    # --- a field's (400): DRF's field codes, with DRF's message ---
    INVALID = "invalid", 400, _("this value is not valid")
    REQUIRED = "required", 400, _("this field is required")
    NULL = "null", 400, _("this field may not be null")
    BLANK = "blank", 400, _("this field may not be blank")
    EMPTY = "empty", 400, _("this field may not be empty")
    MAX_LENGTH = "max_length", 400, _("this value is too long")
    MIN_LENGTH = "min_length", 400, _("this value is too short")
    MAX_VALUE = "max_value", 400, _("this number is too large")
    MIN_VALUE = "min_value", 400, _("this number is too small")
    MAX_STRING_LENGTH = "max_string_length", 400, _("this number has too many digits")
    INVALID_CHOICE = "invalid_choice", 400, _("this is not one of the allowed values")
    NOT_A_DICT = "not_a_dict", 400, _("expected a JSON object")
    NULL_CHARACTERS_NOT_ALLOWED = (
        "null_characters_not_allowed",
        400,
        _("NUL characters are not allowed in requests"),
    )
    SURROGATE_CHARACTERS_NOT_ALLOWED = (
        "surrogate_characters_not_allowed",
        400,
        _("must be valid Unicode (no lone surrogates)"),
    )

    # --- a field's (400): ours ---
    FLOAT = "float", 400, _('send this as a decimal string, e.g. "10.50": JSON floats are inexact')
    RANGE = "range", 400, _("must be within %(low)s and %(high)s")
    PLACES = "places", 400, _("at most %(places)s decimal places are allowed")
    INVALID_AMOUNT = "invalid_amount", 400, _('amounts are decimal strings, such as "10.50"')
    TOO_PRECISE = "too_precise", 400, _("at most %(decimals)s decimal places are allowed")
    AMOUNT_TOO_LARGE = "amount_too_large", 400, _("the amount is too large")
    AMOUNT_TOO_SMALL = "amount_too_small", 400, _("the amount is too small")
    UNKNOWN_CURRENCY = "unknown_currency", 400, _("unknown currency %(currency)s")
    UNKNOWN_NETWORK = "unknown_network", 400, _("unknown network %(network)s")
    UNKNOWN_METHOD = "unknown_method", 400, _("unknown payment method %(method)s")
    PAY_CURRENCY_REQUIRED = "pay_currency_required", 400, _("a fixed invoice needs pay_currency")
    INVALID_KIND = "invalid_kind", 400, _("this kind of invoice does not take pay_currency")
    METADATA_TOO_MANY_KEYS = (
        "metadata_too_many_keys",
        400,
        _("metadata has at most %(count)s keys"),
    )
    METADATA_TOO_DEEP = "metadata_too_deep", 400, _("metadata is nested at most %(depth)s deep")
    METADATA_TOO_LARGE = "metadata_too_large", 400, _("metadata is limited to 16 KB as JSON")
    BELOW_SAFE_MINIMUM = (
        "below_safe_minimum",
        400,
        _("fewer confirmations than the network's safe minimum"),
    )
    INVALID_URL = "invalid_url", 400, _("must be an http(s) URL")
    INVALID_CALLBACK_URL = "invalid_callback_url", 400, _("the gateway cannot deliver to this URL")
    INVALID_XPUB = "invalid_xpub", 400, _("this is not a usable extended public key")
    INVALID_ROLE = "invalid_role", 400, _("Choose owner or staff.")

    # --- authentication and permission (401, 403) ---
    MISSING_API_KEY = (
        "missing_api_key",
        401,
        _("Authentication credentials were not provided."),
        ErrorType.AUTHENTICATION,
    )
    INVALID_API_KEY = (
        "invalid_api_key",
        401,
        _("the API key is invalid or revoked"),
        ErrorType.AUTHENTICATION,
    )
    INSUFFICIENT_SCOPE = (
        "insufficient_scope",
        403,
        _("this API key's scope does not allow this; use an admin key"),
        ErrorType.PERMISSION,
    )
    TEST_KEY_REQUIRED = (
        "test_key_required",
        403,
        _("sandbox operations need a test key (cg_test_…); this is a live key"),
        ErrorType.PERMISSION,
    )
    FORBIDDEN = (
        "forbidden",
        403,
        _("You do not have permission to perform this action."),
        ErrorType.PERMISSION,
    )

    # --- what does not exist (404, 405, 406, 410) ---
    NOT_FOUND = "not_found", 404, _("no such resource")
    REFUND_NOT_FOUND = "refund_not_found", 404, _("no refund has this claim link")
    SANDBOX_OFF = "sandbox_off", 404, _("the sandbox network is off")
    API_KEY_NOT_FOUND = (
        "api_key_not_found",
        404,
        _("No such API key, or it is already revoked."),
    )
    INVITE_NOT_FOUND = "invite_not_found", 404, _("No such invitation.")
    MEMBER_NOT_FOUND = "member_not_found", 404, _("No such member.")
    METHOD_NOT_ALLOWED = "method_not_allowed", 405, _("this method is not allowed here")
    NOT_ACCEPTABLE = "not_acceptable", 406, _("the API answers application/json only")
    LINK_UNAVAILABLE = "link_unavailable", 410, _("This payment link cannot take a payment now.")

    # --- the resource's state does not allow it (409) ---
    INVALID_STATE = (
        "invalid_state",
        409,
        _("cannot %(action)s an invoice that is %(status)s; allowed from: %(allowed)s"),
    )
    NOTHING_TO_REFUND = (
        "nothing_to_refund",
        409,
        _("nothing was paid beyond the amount due (confirmed)"),
    )
    REFUND_TOO_LARGE = (
        "refund_too_large",
        409,
        _("at most %(left)s %(asset)s received is left to refund"),
    )
    INVOICE_NOT_NEW = "invoice_not_new", 409, _("this invoice no longer accepts a currency choice")
    INVOICE_ARCHIVED = "invoice_archived", 409, _("this invoice no longer accepts payment")
    INVOICE_EXPIRED = "invoice_expired", 409, _("this invoice has expired")
    PAYMENT_SEEN = "payment_seen", 409, _("a payment was already seen for this invoice")
    CURRENCY_FIXED = "currency_fixed", 409, _("the currency of a fixed invoice cannot change")
    FOREIGN_ID_TAKEN = "foreign_id_taken", 409, _("an invoice with foreign_id %(id)s exists")
    XPUB_IN_USE = (
        "xpub_in_use",
        409,
        _(
            "Another store on this gateway already uses this wallet, so its addresses would be "
            "given to two stores. Give each store a wallet (an account) of its own."
        ),
    )
    ADDRESS_IN_USE = (
        "address_in_use",
        409,
        _(
            "this store's wallet gives addresses another store's invoices already use: set a "
            "wallet (an account) of this store's own"
        ),
    )
    REFUND_CLAIMED = "refund_claimed", 409, _("A refund address was already given.")
    EMAIL_GIVEN = "email_given", 409, _("An e-mail was already given.")
    REFUND_NOT_AWAITING_PAYOUT = (
        "refund_not_awaiting_payout",
        409,
        _("The payer has not given a refund address yet."),
    )
    REFUND_NOT_CANCELLABLE = (
        "refund_not_cancellable",
        409,
        _("This refund is %(status)s: only a refund not paid yet can be cancelled."),
    )
    REFUND_NOT_PAYABLE = (
        "refund_not_payable",
        409,
        _("This refund is %(status)s: only a refund not paid yet can be marked paid."),
    )
    LIVE_INVOICE = "live_invoice", 409, _("a live invoice cannot be paid on the sandbox")
    NOT_A_SANDBOX_INVOICE = (
        "not_a_sandbox_invoice",
        409,
        _("the invoice has no sandbox payment address yet"),
    )
    DELIVERY_IN_PROGRESS = (
        "delivery_in_progress",
        409,
        _("this event is being delivered right now; try again in a minute"),
    )
    TOO_MANY_ENDPOINTS = (
        "too_many_endpoints",
        409,
        _("a merchant has at most %(max)s webhook endpoints"),
    )
    DEFAULT_ENDPOINT = (
        "default_endpoint",
        409,
        _(
            "the default endpoint cannot be deleted; clear its url (or the merchant's "
            "callback_url) or disable it"
        ),
    )
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency_key_reused",
        409,
        _("this Idempotency-Key was used with a different request"),
    )
    IDEMPOTENCY_KEY_IN_USE = (
        "idempotency_key_in_use",
        409,
        _("a request with this Idempotency-Key is still being processed; retry in a moment"),
    )
    LOGIN_EXISTS = (
        "login_exists",
        409,
        _("This e-mail already has a login here. Ask the owner to invite another address."),
    )
    INVITE_USED = "invite_used", 409, _("This invitation was used already.")
    LAST_OWNER = "last_owner", 409, _("The store needs at least one owner.")
    CANNOT_REMOVE_SELF = (
        "cannot_remove_self",
        409,
        _("You cannot remove yourself; ask another owner."),
    )
    TWO_FACTOR_OFF = "two_factor_off", 409, _("Two-factor sign-in is not on.")

    # --- understood, but cannot be done (422) ---
    CURRENCY_NOT_OFFERED = (
        "currency_not_offered",
        422,
        _("%(asset)s on %(network)s is not a payment method this merchant offers"),
    )
    NETWORK_REQUIRED = (
        "network_required",
        422,
        _("%(asset)s is offered on several networks (%(networks)s): give `network`"),
    )
    NETWORK_UNAVAILABLE = "network_unavailable", 422, _("This network is not available.")
    NO_PAYMENT_METHODS = (
        "no_payment_methods",
        422,
        _("the merchant has no payment method set up"),
    )
    NO_WALLET = "no_wallet", 422, _("no %(family)s wallet is configured")
    RATE_UNAVAILABLE = "rate_unavailable", 422, _("no exchange rate is available for this pair")
    INVALID_RETURN_URL = "invalid_return_url", 422, _("return_url must be an http(s) URL")
    RETURN_URL_NOT_ALLOWED = (
        "return_url_not_allowed",
        422,
        _("%(host)s is not one of the merchant's allowed return hosts"),
    )
    INVALID_ADDRESS = "invalid_address", 422, _("This is not a valid address for this network.")
    VIEW_KEY_MISMATCH = (
        "view_key_mismatch",
        422,
        _("This private view key does not belong to this address."),
    )
    INVALID_TXID = (
        "invalid_txid",
        422,
        _("A %(network)s transaction id is %(example)s hexadecimal characters."),
    )
    NO_CALLBACK_URL = (
        "no_callback_url",
        422,
        _("neither the invoice nor the merchant has a callback_url"),
    )
    DIALECT_UNAVAILABLE = (
        "dialect_unavailable",
        422,
        _("the %(dialect)s dialect is not available"),
    )
    INVALID_EVENTS = "invalid_events", 422, _('list at least one event, or "*"')
    INVALID_ACTION = "invalid_action", 422, _("action must be one of %(actions)s")
    VISIT_OVER = "visit_over", 422, _("this visit's invoice is no longer open")
    WRONG_CODE = "wrong_code", 422, _("That code is not right; codes change every 30 seconds.")

    # --- limits and the server (429, 500) ---
    RATE_LIMITED = (
        "rate_limited",
        429,
        _("too many requests; wait Retry-After seconds"),
        ErrorType.RATE_LIMIT,
    )
    TOO_MANY_CODES = (
        "too_many_codes",
        429,
        _("Too many wrong codes: wait a minute, then try again."),
        ErrorType.RATE_LIMIT,
    )
    # A framework error none of the codes above names: the API keeps the framework's status.
    ERROR = "error", 500, _("the request failed"), ErrorType.API
    INTERNAL_ERROR = (
        "internal_error",
        500,
        _("something went wrong on our side; nothing was changed"),
        ErrorType.API,
    )


class GatewayError(Exception):
    """A refusal someone can act on: `code` says which, `param` names the field or
    parameter at fault. The message is the code's template, or `message` where one code
    has several wordings (or another module's words), filled with `message_args` when it
    is read, so it is in the language active where it is shown."""

    def __init__(
        self,
        code: ErrorCode,
        param: str | None = None,
        *,
        message: Text | None = None,
        **message_args: object,
    ) -> None:
        super().__init__(code.value)
        self.code, self.param = code, param
        self.template: Text = code.template if message is None else message
        self.message_args = message_args

    @property
    def status(self) -> int:
        return self.code.http_status

    @property
    def message(self) -> str:
        text = str(self.template)
        return text % self.message_args if self.message_args else text

    def __str__(self) -> str:
        return self.message
