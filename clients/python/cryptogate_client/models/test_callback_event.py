from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.test_callback_event_event import TestCallbackEventEvent

if TYPE_CHECKING:
    from ..models.test_callback_event_data import TestCallbackEventData


T = TypeVar("T", bound="TestCallbackEvent")


@_attrs_define
class TestCallbackEvent:
    """
    Attributes:
        id (UUID):
        event (TestCallbackEventEvent): * `test` - test
        created_at (datetime.datetime):
        sequence (int):
        data (TestCallbackEventData): empty
    """

    id: UUID
    event: TestCallbackEventEvent
    created_at: datetime.datetime
    sequence: int
    data: TestCallbackEventData
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        event = self.event.value

        created_at = self.created_at.isoformat()

        sequence = self.sequence

        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "event": event,
                "created_at": created_at,
                "sequence": sequence,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.test_callback_event_data import TestCallbackEventData  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        event = TestCallbackEventEvent(d.pop("event"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        sequence = d.pop("sequence")

        data = TestCallbackEventData.from_dict(d.pop("data"))

        test_callback_event = cls(
            id=id,
            event=event,
            created_at=created_at,
            sequence=sequence,
            data=data,
        )

        test_callback_event.additional_properties = d
        return test_callback_event

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
