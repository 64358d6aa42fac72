from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DeliveryAttempt")


@_attrs_define
class DeliveryAttempt:
    """
    Attributes:
        attempted_at (datetime.datetime):
        url (str):
        manual (bool): a redelivery the merchant asked for
        succeeded (bool):
        status_code (int | None):
        duration_ms (int):
        response_body (str): the first KB
        error (None | str):
        request_id (None | str): the `X-Request-Id` it was sent with, as in our logs
    """

    attempted_at: datetime.datetime
    url: str
    manual: bool
    succeeded: bool
    status_code: int | None
    duration_ms: int
    response_body: str
    error: None | str
    request_id: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempted_at = self.attempted_at.isoformat()

        url = self.url

        manual = self.manual

        succeeded = self.succeeded

        status_code: int | None
        status_code = self.status_code

        duration_ms = self.duration_ms

        response_body = self.response_body

        error: None | str
        error = self.error

        request_id: None | str
        request_id = self.request_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempted_at": attempted_at,
                "url": url,
                "manual": manual,
                "succeeded": succeeded,
                "status_code": status_code,
                "duration_ms": duration_ms,
                "response_body": response_body,
                "error": error,
                "request_id": request_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempted_at = datetime.datetime.fromisoformat(d.pop("attempted_at"))

        url = d.pop("url")

        manual = d.pop("manual")

        succeeded = d.pop("succeeded")

        def _parse_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        status_code = _parse_status_code(d.pop("status_code"))

        duration_ms = d.pop("duration_ms")

        response_body = d.pop("response_body")

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        def _parse_request_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        request_id = _parse_request_id(d.pop("request_id"))

        delivery_attempt = cls(
            attempted_at=attempted_at,
            url=url,
            manual=manual,
            succeeded=succeeded,
            status_code=status_code,
            duration_ms=duration_ms,
            response_body=response_body,
            error=error,
            request_id=request_id,
        )

        delivery_attempt.additional_properties = d
        return delivery_attempt

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
