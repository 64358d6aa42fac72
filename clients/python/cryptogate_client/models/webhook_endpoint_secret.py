from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.dialect_enum import DialectEnum

T = TypeVar("T", bound="WebhookEndpointSecret")


@_attrs_define
class WebhookEndpointSecret:
    """
    Attributes:
        id (UUID):
        url (str): blank only on the default endpoint
        enabled (bool):
        events (list[str]):
        dialect (DialectEnum): * `cryptogate` - cryptogate
            * `greenfield` - greenfield
        default (bool): the merchant's callback_url: it also carries invoices' own callback_url
        failing_since (datetime.datetime | None):
        created_at (datetime.datetime):
        secret (str): shown once
    """

    id: UUID
    url: str
    enabled: bool
    events: list[str]
    dialect: DialectEnum
    default: bool
    failing_since: datetime.datetime | None
    created_at: datetime.datetime
    secret: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        url = self.url

        enabled = self.enabled

        events = self.events

        dialect = self.dialect.value

        default = self.default

        failing_since: None | str
        if isinstance(self.failing_since, datetime.datetime):
            failing_since = self.failing_since.isoformat()
        else:
            failing_since = self.failing_since

        created_at = self.created_at.isoformat()

        secret = self.secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "url": url,
                "enabled": enabled,
                "events": events,
                "dialect": dialect,
                "default": default,
                "failing_since": failing_since,
                "created_at": created_at,
                "secret": secret,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        url = d.pop("url")

        enabled = d.pop("enabled")

        events = cast(list[str], d.pop("events"))

        dialect = DialectEnum(d.pop("dialect"))

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

        secret = d.pop("secret")

        webhook_endpoint_secret = cls(
            id=id,
            url=url,
            enabled=enabled,
            events=events,
            dialect=dialect,
            default=default,
            failing_since=failing_since,
            created_at=created_at,
            secret=secret,
        )

        webhook_endpoint_secret.additional_properties = d
        return webhook_endpoint_secret

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
