from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.token_qr_enum import TokenQrEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.patched_merchant_request_confirmations import PatchedMerchantRequestConfirmations
    from ..models.patched_merchant_request_underpayment_tolerance import PatchedMerchantRequestUnderpaymentTolerance
    from ..models.patched_merchant_request_unresolved_rules import PatchedMerchantRequestUnresolvedRules


T = TypeVar("T", bound="PatchedMerchantRequest")


@_attrs_define
class PatchedMerchantRequest:
    """The settings a merchant changes over the API (secrets are rotated, never set);
    `callback_url` and `callback_failing_since` are its default webhook endpoint's.

        Attributes:
            name (str | Unset):
            logo_url (str | Unset):
            callback_url (str | Unset):
            allowed_return_hosts (list[str] | Unset): hosts a return_url may point to
            embed_hosts (list[str] | Unset): hosts that may embed the payment page in a frame
            enabled_methods (list[str] | Unset): `ASSET:network` keys; empty: every method with a wallet
            confirmations (PatchedMerchantRequestConfirmations | Unset): network code → confirmations (never below its safe
                minimum)
            invoice_ttl_minutes (int | Unset):
            payment_window_minutes (int | Unset):
            late_window_minutes (int | Unset):
            processing_timeout_minutes (int | Unset):
            slippage_percent (str | Unset): an exact decimal string (never a JSON number) Example: 10.50.
            underpayment_tolerance (PatchedMerchantRequestUnderpaymentTolerance | Unset): price currency → the shortfall an
                invoice priced in it accepts as paid (e.g. {"USD": "1.00"}); with slippage_percent the larger allowance applies
            insurance_percent (str | Unset): an exact decimal string (never a JSON number) Example: 10.50.
            token_qr (TokenQrEnum | Unset): * `uri` - uri
                * `address` - address
            unresolved_rules (PatchedMerchantRequestUnresolvedRules | Unset): context (underpaid, overpaid, paid_late,
                multiple_senders, reverted) → what to do with it
            deny_list (list[str] | Unset): sender addresses whose payments go to compliance_review
    """

    name: str | Unset = UNSET
    logo_url: str | Unset = UNSET
    callback_url: str | Unset = UNSET
    allowed_return_hosts: list[str] | Unset = UNSET
    embed_hosts: list[str] | Unset = UNSET
    enabled_methods: list[str] | Unset = UNSET
    confirmations: PatchedMerchantRequestConfirmations | Unset = UNSET
    invoice_ttl_minutes: int | Unset = UNSET
    payment_window_minutes: int | Unset = UNSET
    late_window_minutes: int | Unset = UNSET
    processing_timeout_minutes: int | Unset = UNSET
    slippage_percent: str | Unset = UNSET
    underpayment_tolerance: PatchedMerchantRequestUnderpaymentTolerance | Unset = UNSET
    insurance_percent: str | Unset = UNSET
    token_qr: TokenQrEnum | Unset = UNSET
    unresolved_rules: PatchedMerchantRequestUnresolvedRules | Unset = UNSET
    deny_list: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        logo_url: str | Unset
        if isinstance(self.logo_url, Unset):
            logo_url = UNSET
        else:
            logo_url = self.logo_url

        callback_url: str | Unset
        if isinstance(self.callback_url, Unset):
            callback_url = UNSET
        else:
            callback_url = self.callback_url

        allowed_return_hosts: list[str] | Unset = UNSET
        if not isinstance(self.allowed_return_hosts, Unset):
            allowed_return_hosts = self.allowed_return_hosts

        embed_hosts: list[str] | Unset = UNSET
        if not isinstance(self.embed_hosts, Unset):
            embed_hosts = self.embed_hosts

        enabled_methods: list[str] | Unset = UNSET
        if not isinstance(self.enabled_methods, Unset):
            enabled_methods = self.enabled_methods

        confirmations: dict[str, Any] | Unset = UNSET
        if not isinstance(self.confirmations, Unset):
            confirmations = self.confirmations.to_dict()

        invoice_ttl_minutes = self.invoice_ttl_minutes

        payment_window_minutes = self.payment_window_minutes

        late_window_minutes = self.late_window_minutes

        processing_timeout_minutes = self.processing_timeout_minutes

        slippage_percent = self.slippage_percent

        underpayment_tolerance: dict[str, Any] | Unset = UNSET
        if not isinstance(self.underpayment_tolerance, Unset):
            underpayment_tolerance = self.underpayment_tolerance.to_dict()

        insurance_percent = self.insurance_percent

        token_qr: str | Unset = UNSET
        if not isinstance(self.token_qr, Unset):
            token_qr = self.token_qr.value

        unresolved_rules: dict[str, Any] | Unset = UNSET
        if not isinstance(self.unresolved_rules, Unset):
            unresolved_rules = self.unresolved_rules.to_dict()

        deny_list: list[str] | Unset = UNSET
        if not isinstance(self.deny_list, Unset):
            deny_list = self.deny_list

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if logo_url is not UNSET:
            field_dict["logo_url"] = logo_url
        if callback_url is not UNSET:
            field_dict["callback_url"] = callback_url
        if allowed_return_hosts is not UNSET:
            field_dict["allowed_return_hosts"] = allowed_return_hosts
        if embed_hosts is not UNSET:
            field_dict["embed_hosts"] = embed_hosts
        if enabled_methods is not UNSET:
            field_dict["enabled_methods"] = enabled_methods
        if confirmations is not UNSET:
            field_dict["confirmations"] = confirmations
        if invoice_ttl_minutes is not UNSET:
            field_dict["invoice_ttl_minutes"] = invoice_ttl_minutes
        if payment_window_minutes is not UNSET:
            field_dict["payment_window_minutes"] = payment_window_minutes
        if late_window_minutes is not UNSET:
            field_dict["late_window_minutes"] = late_window_minutes
        if processing_timeout_minutes is not UNSET:
            field_dict["processing_timeout_minutes"] = processing_timeout_minutes
        if slippage_percent is not UNSET:
            field_dict["slippage_percent"] = slippage_percent
        if underpayment_tolerance is not UNSET:
            field_dict["underpayment_tolerance"] = underpayment_tolerance
        if insurance_percent is not UNSET:
            field_dict["insurance_percent"] = insurance_percent
        if token_qr is not UNSET:
            field_dict["token_qr"] = token_qr
        if unresolved_rules is not UNSET:
            field_dict["unresolved_rules"] = unresolved_rules
        if deny_list is not UNSET:
            field_dict["deny_list"] = deny_list

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.patched_merchant_request_confirmations import PatchedMerchantRequestConfirmations  # noqa: PLC0415
        from ..models.patched_merchant_request_underpayment_tolerance import PatchedMerchantRequestUnderpaymentTolerance  # noqa: PLC0415
        from ..models.patched_merchant_request_unresolved_rules import PatchedMerchantRequestUnresolvedRules  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name", UNSET)

        def _parse_logo_url(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        logo_url = _parse_logo_url(d.pop("logo_url", UNSET))

        def _parse_callback_url(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        callback_url = _parse_callback_url(d.pop("callback_url", UNSET))

        allowed_return_hosts = cast(list[str], d.pop("allowed_return_hosts", UNSET))

        embed_hosts = cast(list[str], d.pop("embed_hosts", UNSET))

        enabled_methods = cast(list[str], d.pop("enabled_methods", UNSET))

        _confirmations = d.pop("confirmations", UNSET)
        confirmations: PatchedMerchantRequestConfirmations | Unset
        if isinstance(_confirmations, Unset):
            confirmations = UNSET
        else:
            confirmations = PatchedMerchantRequestConfirmations.from_dict(_confirmations)

        invoice_ttl_minutes = d.pop("invoice_ttl_minutes", UNSET)

        payment_window_minutes = d.pop("payment_window_minutes", UNSET)

        late_window_minutes = d.pop("late_window_minutes", UNSET)

        processing_timeout_minutes = d.pop("processing_timeout_minutes", UNSET)

        slippage_percent = d.pop("slippage_percent", UNSET)

        _underpayment_tolerance = d.pop("underpayment_tolerance", UNSET)
        underpayment_tolerance: PatchedMerchantRequestUnderpaymentTolerance | Unset
        if isinstance(_underpayment_tolerance, Unset):
            underpayment_tolerance = UNSET
        else:
            underpayment_tolerance = PatchedMerchantRequestUnderpaymentTolerance.from_dict(_underpayment_tolerance)

        insurance_percent = d.pop("insurance_percent", UNSET)

        _token_qr = d.pop("token_qr", UNSET)
        token_qr: TokenQrEnum | Unset
        if isinstance(_token_qr, Unset):
            token_qr = UNSET
        else:
            token_qr = TokenQrEnum(_token_qr)

        _unresolved_rules = d.pop("unresolved_rules", UNSET)
        unresolved_rules: PatchedMerchantRequestUnresolvedRules | Unset
        if isinstance(_unresolved_rules, Unset):
            unresolved_rules = UNSET
        else:
            unresolved_rules = PatchedMerchantRequestUnresolvedRules.from_dict(_unresolved_rules)

        deny_list = cast(list[str], d.pop("deny_list", UNSET))

        patched_merchant_request = cls(
            name=name,
            logo_url=logo_url,
            callback_url=callback_url,
            allowed_return_hosts=allowed_return_hosts,
            embed_hosts=embed_hosts,
            enabled_methods=enabled_methods,
            confirmations=confirmations,
            invoice_ttl_minutes=invoice_ttl_minutes,
            payment_window_minutes=payment_window_minutes,
            late_window_minutes=late_window_minutes,
            processing_timeout_minutes=processing_timeout_minutes,
            slippage_percent=slippage_percent,
            underpayment_tolerance=underpayment_tolerance,
            insurance_percent=insurance_percent,
            token_qr=token_qr,
            unresolved_rules=unresolved_rules,
            deny_list=deny_list,
        )

        patched_merchant_request.additional_properties = d
        return patched_merchant_request

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
