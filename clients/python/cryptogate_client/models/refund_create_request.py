from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="RefundCreateRequest")


@_attrs_define
class RefundCreateRequest:
    """Refuses fields it does not know, so a typo is an error instead of a silent default.

    Attributes:
        amount (str | Unset): in the refunded asset Example: 10.50.
        price_amount (str | Unset): a value in the invoice's price currency, refunded at its locked rate (rounded down:
            the payer never gets more than that value's worth) Example: 10.50.
        asset (str | Unset): an extra payment's asset (default: the chosen)
        network (str | Unset):
        reason (str | Unset):  Default: ''.
    """

    amount: str | Unset = UNSET
    price_amount: str | Unset = UNSET
    asset: str | Unset = UNSET
    network: str | Unset = UNSET
    reason: str | Unset = ""
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        price_amount = self.price_amount

        asset = self.asset

        network = self.network

        reason = self.reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if amount is not UNSET:
            field_dict["amount"] = amount
        if price_amount is not UNSET:
            field_dict["price_amount"] = price_amount
        if asset is not UNSET:
            field_dict["asset"] = asset
        if network is not UNSET:
            field_dict["network"] = network
        if reason is not UNSET:
            field_dict["reason"] = reason

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount = d.pop("amount", UNSET)

        price_amount = d.pop("price_amount", UNSET)

        asset = d.pop("asset", UNSET)

        network = d.pop("network", UNSET)

        reason = d.pop("reason", UNSET)

        refund_create_request = cls(
            amount=amount,
            price_amount=price_amount,
            asset=asset,
            network=network,
            reason=reason,
        )

        refund_create_request.additional_properties = d
        return refund_create_request

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
