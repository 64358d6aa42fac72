from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.dialect_enum import DialectEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookEndpointRequest")


@_attrs_define
class WebhookEndpointRequest:
    """What makes an endpoint (its url checked by the egress guard when saved).

    Attributes:
        url (str):
        enabled (bool | Unset):
        events (list[str] | Unset): ["*"] (every event of its dialect) or the event types it wants
        dialect (DialectEnum | Unset): * `cryptogate` - cryptogate
            * `greenfield` - greenfield
    """

    url: str
    enabled: bool | Unset = UNSET
    events: list[str] | Unset = UNSET
    dialect: DialectEnum | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        enabled = self.enabled

        events: list[str] | Unset = UNSET
        if not isinstance(self.events, Unset):
            events = self.events

        dialect: str | Unset = UNSET
        if not isinstance(self.dialect, Unset):
            dialect = self.dialect.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "url": url,
            }
        )
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if events is not UNSET:
            field_dict["events"] = events
        if dialect is not UNSET:
            field_dict["dialect"] = dialect

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url")

        enabled = d.pop("enabled", UNSET)

        events = cast(list[str], d.pop("events", UNSET))

        _dialect = d.pop("dialect", UNSET)
        dialect: DialectEnum | Unset
        if isinstance(_dialect, Unset):
            dialect = UNSET
        else:
            dialect = DialectEnum(_dialect)

        webhook_endpoint_request = cls(
            url=url,
            enabled=enabled,
            events=events,
            dialect=dialect,
        )

        webhook_endpoint_request.additional_properties = d
        return webhook_endpoint_request

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
