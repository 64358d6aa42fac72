from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MoneroWalletRequest")


@_attrs_define
class MoneroWalletRequest:
    """The `monero` family's body: the primary address and the private view key (checked to
    belong together, stored sealed, never shown again).

        Attributes:
            address (str): the primary address (4…)
            view_key (str): the private view key (64 hex characters)
    """

    address: str
    view_key: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        address = self.address

        view_key = self.view_key

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "address": address,
                "view_key": view_key,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        address = d.pop("address")

        view_key = d.pop("view_key")

        monero_wallet_request = cls(
            address=address,
            view_key=view_key,
        )

        monero_wallet_request.additional_properties = d
        return monero_wallet_request

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
