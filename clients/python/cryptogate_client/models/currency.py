from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Currency")


@_attrs_define
class Currency:
    """
    Attributes:
        currency (str):
        network (str):
        network_name (str):
        decimals (int):
        contract (None | str):
        confirmations (int):
    """

    currency: str
    network: str
    network_name: str
    decimals: int
    contract: None | str
    confirmations: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        currency = self.currency

        network = self.network

        network_name = self.network_name

        decimals = self.decimals

        contract: None | str
        contract = self.contract

        confirmations = self.confirmations

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "currency": currency,
                "network": network,
                "network_name": network_name,
                "decimals": decimals,
                "contract": contract,
                "confirmations": confirmations,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        currency = d.pop("currency")

        network = d.pop("network")

        network_name = d.pop("network_name")

        decimals = d.pop("decimals")

        def _parse_contract(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        contract = _parse_contract(d.pop("contract"))

        confirmations = d.pop("confirmations")

        currency = cls(
            currency=currency,
            network=network,
            network_name=network_name,
            decimals=decimals,
            contract=contract,
            confirmations=confirmations,
        )

        currency.additional_properties = d
        return currency

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
