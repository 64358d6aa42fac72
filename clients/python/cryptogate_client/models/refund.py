from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.refund_status import RefundStatus

T = TypeVar("T", bound="Refund")


@_attrs_define
class Refund:
    """
    Attributes:
        id (UUID):
        invoice_id (UUID):
        status (RefundStatus): * `awaiting_claim` - awaiting_claim
            * `claimed` - claimed
            * `paid` - paid
            * `confirmed` - confirmed
        amount (str): an exact decimal string (never a JSON number) Example: 10.50.
        currency (str):
        network (str):
        claim_url (str): the payer's page to give a refund address
        address (None | str):
        payout_txid (None | str):
        reason (str):
        created_at (datetime.datetime):
        claimed_at (datetime.datetime | None):
        paid_at (datetime.datetime | None):
    """

    id: UUID
    invoice_id: UUID
    status: RefundStatus
    amount: str
    currency: str
    network: str
    claim_url: str
    address: None | str
    payout_txid: None | str
    reason: str
    created_at: datetime.datetime
    claimed_at: datetime.datetime | None
    paid_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        invoice_id = str(self.invoice_id)

        status = self.status.value

        amount = self.amount

        currency = self.currency

        network = self.network

        claim_url = self.claim_url

        address: None | str
        address = self.address

        payout_txid: None | str
        payout_txid = self.payout_txid

        reason = self.reason

        created_at = self.created_at.isoformat()

        claimed_at: None | str
        if isinstance(self.claimed_at, datetime.datetime):
            claimed_at = self.claimed_at.isoformat()
        else:
            claimed_at = self.claimed_at

        paid_at: None | str
        if isinstance(self.paid_at, datetime.datetime):
            paid_at = self.paid_at.isoformat()
        else:
            paid_at = self.paid_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "invoice_id": invoice_id,
                "status": status,
                "amount": amount,
                "currency": currency,
                "network": network,
                "claim_url": claim_url,
                "address": address,
                "payout_txid": payout_txid,
                "reason": reason,
                "created_at": created_at,
                "claimed_at": claimed_at,
                "paid_at": paid_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        invoice_id = UUID(d.pop("invoice_id"))

        status = RefundStatus(d.pop("status"))

        amount = d.pop("amount")

        currency = d.pop("currency")

        network = d.pop("network")

        claim_url = d.pop("claim_url")

        def _parse_address(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        address = _parse_address(d.pop("address"))

        def _parse_payout_txid(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        payout_txid = _parse_payout_txid(d.pop("payout_txid"))

        reason = d.pop("reason")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_claimed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                claimed_at_type_0 = datetime.datetime.fromisoformat(data)

                return claimed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        claimed_at = _parse_claimed_at(d.pop("claimed_at"))

        def _parse_paid_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                paid_at_type_0 = datetime.datetime.fromisoformat(data)

                return paid_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        paid_at = _parse_paid_at(d.pop("paid_at"))

        refund = cls(
            id=id,
            invoice_id=invoice_id,
            status=status,
            amount=amount,
            currency=currency,
            network=network,
            claim_url=claim_url,
            address=address,
            payout_txid=payout_txid,
            reason=reason,
            created_at=created_at,
            claimed_at=claimed_at,
            paid_at=paid_at,
        )

        refund.additional_properties = d
        return refund

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
