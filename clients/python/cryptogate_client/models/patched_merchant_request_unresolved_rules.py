from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.patched_merchant_request_unresolved_rules_additional_property import (
    PatchedMerchantRequestUnresolvedRulesAdditionalProperty,
)

T = TypeVar("T", bound="PatchedMerchantRequestUnresolvedRules")


@_attrs_define
class PatchedMerchantRequestUnresolvedRules:
    """context (underpaid, overpaid, paid_late, multiple_senders, reverted) → what to do with it"""

    additional_properties: dict[str, PatchedMerchantRequestUnresolvedRulesAdditionalProperty] = _attrs_field(
        init=False, factory=dict
    )

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        for prop_name, prop in self.additional_properties.items():
            field_dict[prop_name] = prop.value

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        patched_merchant_request_unresolved_rules = cls()

        additional_properties = {}
        for prop_name, prop_dict in d.items():
            additional_property = PatchedMerchantRequestUnresolvedRulesAdditionalProperty(prop_dict)

            additional_properties[prop_name] = additional_property

        patched_merchant_request_unresolved_rules.additional_properties = additional_properties
        return patched_merchant_request_unresolved_rules

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> PatchedMerchantRequestUnresolvedRulesAdditionalProperty:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: PatchedMerchantRequestUnresolvedRulesAdditionalProperty) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
