from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.error_code import ErrorCode
from ..models.error_type import ErrorType

T = TypeVar("T", bound="ErrorDetail")


@_attrs_define
class ErrorDetail:
    """
    Attributes:
        type_ (ErrorType): * `invalid_request` - invalid_request
            * `authentication_error` - authentication_error
            * `permission_error` - permission_error
            * `rate_limit_error` - rate_limit_error
            * `api_error` - api_error
        code (ErrorCode): * `malformed_json` - malformed_json
            * `unsupported_media_type` - unsupported_media_type
            * `malformed_request` - malformed_request
            * `request_too_large` - request_too_large
            * `invalid_request` - invalid_request
            * `unknown_field` - unknown_field
            * `unknown_parameter` - unknown_parameter
            * `invalid_text` - invalid_text
            * `invalid` - invalid
            * `required` - required
            * `null` - null
            * `blank` - blank
            * `empty` - empty
            * `max_length` - max_length
            * `min_length` - min_length
            * `max_value` - max_value
            * `min_value` - min_value
            * `max_string_length` - max_string_length
            * `invalid_choice` - invalid_choice
            * `not_a_dict` - not_a_dict
            * `null_characters_not_allowed` - null_characters_not_allowed
            * `surrogate_characters_not_allowed` - surrogate_characters_not_allowed
            * `float` - float
            * `range` - range
            * `places` - places
            * `invalid_amount` - invalid_amount
            * `too_precise` - too_precise
            * `amount_too_large` - amount_too_large
            * `amount_too_small` - amount_too_small
            * `unknown_currency` - unknown_currency
            * `unknown_network` - unknown_network
            * `unknown_method` - unknown_method
            * `pay_currency_required` - pay_currency_required
            * `invalid_kind` - invalid_kind
            * `metadata_too_many_keys` - metadata_too_many_keys
            * `metadata_too_deep` - metadata_too_deep
            * `metadata_too_large` - metadata_too_large
            * `below_safe_minimum` - below_safe_minimum
            * `invalid_url` - invalid_url
            * `invalid_callback_url` - invalid_callback_url
            * `invalid_xpub` - invalid_xpub
            * `invalid_role` - invalid_role
            * `missing_api_key` - missing_api_key
            * `invalid_api_key` - invalid_api_key
            * `insufficient_scope` - insufficient_scope
            * `test_key_required` - test_key_required
            * `forbidden` - forbidden
            * `not_found` - not_found
            * `refund_not_found` - refund_not_found
            * `sandbox_off` - sandbox_off
            * `api_key_not_found` - api_key_not_found
            * `invite_not_found` - invite_not_found
            * `member_not_found` - member_not_found
            * `method_not_allowed` - method_not_allowed
            * `not_acceptable` - not_acceptable
            * `link_unavailable` - link_unavailable
            * `invalid_state` - invalid_state
            * `nothing_to_refund` - nothing_to_refund
            * `refund_too_large` - refund_too_large
            * `invoice_not_new` - invoice_not_new
            * `invoice_archived` - invoice_archived
            * `invoice_expired` - invoice_expired
            * `payment_seen` - payment_seen
            * `currency_fixed` - currency_fixed
            * `foreign_id_taken` - foreign_id_taken
            * `xpub_in_use` - xpub_in_use
            * `address_in_use` - address_in_use
            * `refund_claimed` - refund_claimed
            * `email_given` - email_given
            * `refund_not_awaiting_payout` - refund_not_awaiting_payout
            * `refund_not_cancellable` - refund_not_cancellable
            * `refund_not_payable` - refund_not_payable
            * `live_invoice` - live_invoice
            * `not_a_sandbox_invoice` - not_a_sandbox_invoice
            * `delivery_in_progress` - delivery_in_progress
            * `too_many_endpoints` - too_many_endpoints
            * `default_endpoint` - default_endpoint
            * `idempotency_key_reused` - idempotency_key_reused
            * `idempotency_key_in_use` - idempotency_key_in_use
            * `login_exists` - login_exists
            * `invite_used` - invite_used
            * `last_owner` - last_owner
            * `cannot_remove_self` - cannot_remove_self
            * `two_factor_off` - two_factor_off
            * `currency_not_offered` - currency_not_offered
            * `network_required` - network_required
            * `network_unavailable` - network_unavailable
            * `no_payment_methods` - no_payment_methods
            * `no_wallet` - no_wallet
            * `rate_unavailable` - rate_unavailable
            * `invalid_return_url` - invalid_return_url
            * `return_url_not_allowed` - return_url_not_allowed
            * `invalid_address` - invalid_address
            * `view_key_mismatch` - view_key_mismatch
            * `invalid_txid` - invalid_txid
            * `no_callback_url` - no_callback_url
            * `dialect_unavailable` - dialect_unavailable
            * `invalid_events` - invalid_events
            * `invalid_action` - invalid_action
            * `visit_over` - visit_over
            * `wrong_code` - wrong_code
            * `rate_limited` - rate_limited
            * `too_many_codes` - too_many_codes
            * `error` - error
            * `internal_error` - internal_error
        message (str):
        param (None | str): the field or parameter at fault
    """

    type_: ErrorType
    code: ErrorCode
    message: str
    param: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        code = self.code.value

        message = self.message

        param: None | str
        param = self.param

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "code": code,
                "message": message,
                "param": param,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = ErrorType(d.pop("type"))

        code = ErrorCode(d.pop("code"))

        message = d.pop("message")

        def _parse_param(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        param = _parse_param(d.pop("param"))

        error_detail = cls(
            type_=type_,
            code=code,
            message=message,
            param=param,
        )

        error_detail.additional_properties = d
        return error_detail

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
