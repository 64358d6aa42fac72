from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.wallet_family import WalletFamily

T = TypeVar("T", bound="Wallet")


@_attrs_define
class Wallet:
    """
    Attributes:
        family (WalletFamily): * `bitcoin` - bitcoin
            * `litecoin` - litecoin
            * `litecoin-regtest` - litecoin-regtest
            * `bitcoin-testnet` - bitcoin-testnet
            * `litecoin-testnet` - litecoin-testnet
            * `evm` - evm
            * `tron` - tron
            * `sandbox` - sandbox
            * `monero` - monero
        xpub (str):
        next_index (int):
        first_addresses (list[str]):
        updated_at (datetime.datetime):
    """

    family: WalletFamily
    xpub: str
    next_index: int
    first_addresses: list[str]
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        family = self.family.value

        xpub = self.xpub

        next_index = self.next_index

        first_addresses = self.first_addresses

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "family": family,
                "xpub": xpub,
                "next_index": next_index,
                "first_addresses": first_addresses,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        family = WalletFamily(d.pop("family"))

        xpub = d.pop("xpub")

        next_index = d.pop("next_index")

        first_addresses = cast(list[str], d.pop("first_addresses"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        wallet = cls(
            family=family,
            xpub=xpub,
            next_index=next_index,
            first_addresses=first_addresses,
            updated_at=updated_at,
        )

        wallet.additional_properties = d
        return wallet

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
