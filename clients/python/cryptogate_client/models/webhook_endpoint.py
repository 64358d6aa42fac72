from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.dialect_enum import DialectEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookEndpoint")


@_attrs_define
class WebhookEndpoint:
    """An endpoint as listed and changed; its secret is shown only when made or rotated.

    Attributes:
        id (UUID):
        url (str):
        default (bool): the merchant's callback_url: it also carries invoices' own callback_url
        failing_since (datetime.datetime | None):
        created_at (datetime.datetime):
        enabled (bool | Unset):
        events (list[str] | Unset): ["*"] (every event of its dialect) or the event types it wants
        dialect (DialectEnum | Unset): * `gateway` - gateway
            * `greenfield` - greenfield
    """

    id: UUID
    url: str
    default: bool
    failing_since: datetime.datetime | None
    created_at: datetime.datetime
    enabled: bool | Unset = UNSET
    events: list[str] | Unset = UNSET
    dialect: DialectEnum | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        url = self.url

        default = self.default

        failing_since: None | str
        if isinstance(self.failing_since, datetime.datetime):
            failing_since = self.failing_since.isoformat()
        else:
            failing_since = self.failing_since

        created_at = self.created_at.isoformat()

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
                "id": id,
                "url": url,
                "default": default,
                "failing_since": failing_since,
                "created_at": created_at,
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
        id = UUID(d.pop("id"))

        url = d.pop("url")

        default = d.pop("default")

        def _parse_failing_since(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                failing_since_type_0 = datetime.datetime.fromisoformat(data)

                return failing_since_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        failing_since = _parse_failing_since(d.pop("failing_since"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        enabled = d.pop("enabled", UNSET)

        events = cast(list[str], d.pop("events", UNSET))

        _dialect = d.pop("dialect", UNSET)
        dialect: DialectEnum | Unset
        if isinstance(_dialect, Unset):
            dialect = UNSET
        else:
            dialect = DialectEnum(_dialect)

        webhook_endpoint = cls(
            id=id,
            url=url,
            default=default,
            failing_since=failing_since,
            created_at=created_at,
            enabled=enabled,
            events=events,
            dialect=dialect,
        )

        webhook_endpoint.additional_properties = d
        return webhook_endpoint

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
