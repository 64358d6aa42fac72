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
        invoice (UUID):
        asset (str):
        network (str):
        amount (str): in the refunded asset Example: 10.50.
        price_amount (None | str): the amount's value in the invoice's price currency at the rate locked for the asset;
            null when no rate was locked for it Example: 10.50.
        status (RefundStatus): * `awaiting_claim` - awaiting_claim
            * `claimed` - claimed
            * `paid` - paid
            * `confirmed` - confirmed
            * `cancelled` - cancelled
        claim_url (str): the payer's page to give a refund address
        address (None | str):
        txid (None | str):
        confirmations (int): of the payout transaction once seen in a block; 0 before, or when it was marked paid (a
            payout the gateway cannot see)
        reason (str):
        created_at (datetime.datetime):
        paid_at (datetime.datetime | None):
    """

    id: UUID
    invoice: UUID
    asset: str
    network: str
    amount: str
    price_amount: None | str
    status: RefundStatus
    claim_url: str
    address: None | str
    txid: None | str
    confirmations: int
    reason: str
    created_at: datetime.datetime
    paid_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        invoice = str(self.invoice)

        asset = self.asset

        network = self.network

        amount = self.amount

        price_amount: None | str
        price_amount = self.price_amount

        status = self.status.value

        claim_url = self.claim_url

        address: None | str
        address = self.address

        txid: None | str
        txid = self.txid

        confirmations = self.confirmations

        reason = self.reason

        created_at = self.created_at.isoformat()

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
                "invoice": invoice,
                "asset": asset,
                "network": network,
                "amount": amount,
                "price_amount": price_amount,
                "status": status,
                "claim_url": claim_url,
                "address": address,
                "txid": txid,
                "confirmations": confirmations,
                "reason": reason,
                "created_at": created_at,
                "paid_at": paid_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        invoice = UUID(d.pop("invoice"))

        asset = d.pop("asset")

        network = d.pop("network")

        amount = d.pop("amount")

        def _parse_price_amount(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        price_amount = _parse_price_amount(d.pop("price_amount"))

        status = RefundStatus(d.pop("status"))

        claim_url = d.pop("claim_url")

        def _parse_address(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        address = _parse_address(d.pop("address"))

        def _parse_txid(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        txid = _parse_txid(d.pop("txid"))

        confirmations = d.pop("confirmations")

        reason = d.pop("reason")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

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
            invoice=invoice,
            asset=asset,
            network=network,
            amount=amount,
            price_amount=price_amount,
            status=status,
            claim_url=claim_url,
            address=address,
            txid=txid,
            confirmations=confirmations,
            reason=reason,
            created_at=created_at,
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
