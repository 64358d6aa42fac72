from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SandboxPayRequest")


@_attrs_define
class SandboxPayRequest:
    """Refuses fields it does not know, so a typo is an error instead of a silent default.

    Attributes:
        amount (str | Unset): an exact decimal string (never a JSON number), greater than 0, with at most the currency's
            decimals, below 10^15 of its whole units Example: 10.50.
        confirm (bool | Unset):  Default: False.
        sender (str | Unset):
    """

    amount: str | Unset = UNSET
    confirm: bool | Unset = False
    sender: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        confirm = self.confirm

        sender = self.sender

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if amount is not UNSET:
            field_dict["amount"] = amount
        if confirm is not UNSET:
            field_dict["confirm"] = confirm
        if sender is not UNSET:
            field_dict["sender"] = sender

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        amount = d.pop("amount", UNSET)

        confirm = d.pop("confirm", UNSET)

        sender = d.pop("sender", UNSET)

        sandbox_pay_request = cls(
            amount=amount,
            confirm=confirm,
            sender=sender,
        )

        sandbox_pay_request.additional_properties = d
        return sandbox_pay_request

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
