from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.invoice import Invoice


T = TypeVar("T", bound="CallbackEvent")


@_attrs_define
class CallbackEvent:
    """
    Attributes:
        id (UUID): stable across retries and redeliveries: dedupe on it
        event (str):
        created_at (datetime.datetime):
        sequence (int): per invoice; events arrive in this order
        livemode (bool):
        data (Invoice):
    """

    id: UUID
    event: str
    created_at: datetime.datetime
    sequence: int
    livemode: bool
    data: Invoice
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        event = self.event

        created_at = self.created_at.isoformat()

        sequence = self.sequence

        livemode = self.livemode

        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "event": event,
                "created_at": created_at,
                "sequence": sequence,
                "livemode": livemode,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.invoice import Invoice  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        event = d.pop("event")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        sequence = d.pop("sequence")

        livemode = d.pop("livemode")

        data = Invoice.from_dict(d.pop("data"))

        callback_event = cls(
            id=id,
            event=event,
            created_at=created_at,
            sequence=sequence,
            livemode=livemode,
            data=data,
        )

        callback_event.additional_properties = d
        return callback_event

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
