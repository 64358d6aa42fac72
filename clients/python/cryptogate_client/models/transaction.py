from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.transaction_status import TransactionStatus

T = TypeVar("T", bound="Transaction")


@_attrs_define
class Transaction:
    """
    Attributes:
        txid (str):
        index (int): the output (UTXO) or log index in the tx
        asset (str):
        network (str):
        amount (str): an exact decimal string (never a JSON number) Example: 10.50.
        counted (bool): false for an extra payment in another method or asset
        from_addresses (list[str]):
        confirmations (int):
        required_confirmations (int):
        status (TransactionStatus): * `pending` - pending
            * `confirmed` - confirmed
            * `reverted` - reverted
        flagged (bool): a sender is on a sanctions or deny list
        block_height (int | None):
        explorer_url (str):
        paid_at (datetime.datetime): mempool first-seen or block time
        detected_at (datetime.datetime):
        confirmed_at (datetime.datetime | None):
        reverted_at (datetime.datetime | None):
    """

    txid: str
    index: int
    asset: str
    network: str
    amount: str
    counted: bool
    from_addresses: list[str]
    confirmations: int
    required_confirmations: int
    status: TransactionStatus
    flagged: bool
    block_height: int | None
    explorer_url: str
    paid_at: datetime.datetime
    detected_at: datetime.datetime
    confirmed_at: datetime.datetime | None
    reverted_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        txid = self.txid

        index = self.index

        asset = self.asset

        network = self.network

        amount = self.amount

        counted = self.counted

        from_addresses = self.from_addresses

        confirmations = self.confirmations

        required_confirmations = self.required_confirmations

        status = self.status.value

        flagged = self.flagged

        block_height: int | None
        block_height = self.block_height

        explorer_url = self.explorer_url

        paid_at = self.paid_at.isoformat()

        detected_at = self.detected_at.isoformat()

        confirmed_at: None | str
        if isinstance(self.confirmed_at, datetime.datetime):
            confirmed_at = self.confirmed_at.isoformat()
        else:
            confirmed_at = self.confirmed_at

        reverted_at: None | str
        if isinstance(self.reverted_at, datetime.datetime):
            reverted_at = self.reverted_at.isoformat()
        else:
            reverted_at = self.reverted_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "txid": txid,
                "index": index,
                "asset": asset,
                "network": network,
                "amount": amount,
                "counted": counted,
                "from_addresses": from_addresses,
                "confirmations": confirmations,
                "required_confirmations": required_confirmations,
                "status": status,
                "flagged": flagged,
                "block_height": block_height,
                "explorer_url": explorer_url,
                "paid_at": paid_at,
                "detected_at": detected_at,
                "confirmed_at": confirmed_at,
                "reverted_at": reverted_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        txid = d.pop("txid")

        index = d.pop("index")

        asset = d.pop("asset")

        network = d.pop("network")

        amount = d.pop("amount")

        counted = d.pop("counted")

        from_addresses = cast(list[str], d.pop("from_addresses"))

        confirmations = d.pop("confirmations")

        required_confirmations = d.pop("required_confirmations")

        status = TransactionStatus(d.pop("status"))

        flagged = d.pop("flagged")

        def _parse_block_height(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        block_height = _parse_block_height(d.pop("block_height"))

        explorer_url = d.pop("explorer_url")

        paid_at = datetime.datetime.fromisoformat(d.pop("paid_at"))

        detected_at = datetime.datetime.fromisoformat(d.pop("detected_at"))

        def _parse_confirmed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                confirmed_at_type_0 = datetime.datetime.fromisoformat(data)

                return confirmed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        confirmed_at = _parse_confirmed_at(d.pop("confirmed_at"))

        def _parse_reverted_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                reverted_at_type_0 = datetime.datetime.fromisoformat(data)

                return reverted_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        reverted_at = _parse_reverted_at(d.pop("reverted_at"))

        transaction = cls(
            txid=txid,
            index=index,
            asset=asset,
            network=network,
            amount=amount,
            counted=counted,
            from_addresses=from_addresses,
            confirmations=confirmations,
            required_confirmations=required_confirmations,
            status=status,
            flagged=flagged,
            block_height=block_height,
            explorer_url=explorer_url,
            paid_at=paid_at,
            detected_at=detected_at,
            confirmed_at=confirmed_at,
            reverted_at=reverted_at,
        )

        transaction.additional_properties = d
        return transaction

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
