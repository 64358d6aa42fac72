from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.invoice_kind import InvoiceKind
from ..models.invoice_status import InvoiceStatus
from ..models.status_context import StatusContext
from ..models.token_qr_enum import TokenQrEnum

if TYPE_CHECKING:
    from ..models.invoice_metadata import InvoiceMetadata
    from ..models.refund import Refund
    from ..models.transaction import Transaction


T = TypeVar("T", bound="Invoice")


@_attrs_define
class Invoice:
    """
    Attributes:
        id (UUID):
        foreign_id (None | str):
        kind (InvoiceKind): * `open` - open
            * `timed` - timed
            * `fixed` - fixed
        status (InvoiceStatus): * `new` - new
            * `pending` - pending
            * `compliance_review` - compliance_review
            * `completed` - completed
            * `unresolved` - unresolved
            * `expired` - expired
            * `cancelled` - cancelled
            * `failed` - failed
            * `declined` - declined
            * `refunded` - refunded
        status_context (None | StatusContext):
        archived (bool):
        livemode (bool): false for an invoice made with a test key
        price_amount (str): an exact decimal string (never a JSON number) Example: 10.50.
        price_currency (str):
        pay_currency (None | str): null until chosen
        network (None | str): null until chosen
        address (None | str): null until chosen
        pay_amount (None | str): due in the chosen asset Example: 10.50.
        fee_amount (None | str): an exact decimal string (never a JSON number) Example: 10.50.
        paid_amount (str): an exact decimal string (never a JSON number) Example: 10.50.
        remaining_amount (None | str): an exact decimal string (never a JSON number) Example: 10.50.
        excess_amount (None | str): paid beyond the amount due, in the chosen asset Example: 10.50.
        refunded_amount (None | str): offered back by refunds so far, in the chosen asset Example: 10.50.
        shortfall_amount (None | str): what the payment is short of pay_amount although it counts as paid (within
            slippage_percent or underpayment_tolerance), in the chosen asset Example: 10.50.
        rate (None | str): an exact decimal string (never a JSON number) Example: 10.50.
        payment_uri (None | str): null on TRON, and for a token when token_qr is `address`
        payment_url (str):
        description (str):
        customer_email (str):
        callback_url (None | str):
        return_url (None | str):
        insurance_percent (str): an exact decimal string (never a JSON number) Example: 10.50.
        slippage_percent (str): an exact decimal string (never a JSON number) Example: 10.50.
        underpayment_tolerance (str): the shortfall accepted as paid, in price_currency, converted at the chosen rate
            and rounded down; with slippage_percent the larger allowance applies Example: 10.50.
        token_qr (TokenQrEnum): * `uri` - uri
            * `address` - address
        include_fee (bool):
        created_at (datetime.datetime):
        expires_at (datetime.datetime | None):
        transactions (list[Transaction]):
        refunds (list[Refund]):
        metadata (InvoiceMetadata):
    """

    id: UUID
    foreign_id: None | str
    kind: InvoiceKind
    status: InvoiceStatus
    status_context: None | StatusContext
    archived: bool
    livemode: bool
    price_amount: str
    price_currency: str
    pay_currency: None | str
    network: None | str
    address: None | str
    pay_amount: None | str
    fee_amount: None | str
    paid_amount: str
    remaining_amount: None | str
    excess_amount: None | str
    refunded_amount: None | str
    shortfall_amount: None | str
    rate: None | str
    payment_uri: None | str
    payment_url: str
    description: str
    customer_email: str
    callback_url: None | str
    return_url: None | str
    insurance_percent: str
    slippage_percent: str
    underpayment_tolerance: str
    token_qr: TokenQrEnum
    include_fee: bool
    created_at: datetime.datetime
    expires_at: datetime.datetime | None
    transactions: list[Transaction]
    refunds: list[Refund]
    metadata: InvoiceMetadata
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        foreign_id: None | str
        foreign_id = self.foreign_id

        kind = self.kind.value

        status = self.status.value

        status_context: None | str
        if isinstance(self.status_context, StatusContext):
            status_context = self.status_context.value
        else:
            status_context = self.status_context

        archived = self.archived

        livemode = self.livemode

        price_amount = self.price_amount

        price_currency = self.price_currency

        pay_currency: None | str
        pay_currency = self.pay_currency

        network: None | str
        network = self.network

        address: None | str
        address = self.address

        pay_amount: None | str
        pay_amount = self.pay_amount

        fee_amount: None | str
        fee_amount = self.fee_amount

        paid_amount = self.paid_amount

        remaining_amount: None | str
        remaining_amount = self.remaining_amount

        excess_amount: None | str
        excess_amount = self.excess_amount

        refunded_amount: None | str
        refunded_amount = self.refunded_amount

        shortfall_amount: None | str
        shortfall_amount = self.shortfall_amount

        rate: None | str
        rate = self.rate

        payment_uri: None | str
        payment_uri = self.payment_uri

        payment_url = self.payment_url

        description = self.description

        customer_email = self.customer_email

        callback_url: None | str
        callback_url = self.callback_url

        return_url: None | str
        return_url = self.return_url

        insurance_percent = self.insurance_percent

        slippage_percent = self.slippage_percent

        underpayment_tolerance = self.underpayment_tolerance

        token_qr = self.token_qr.value

        include_fee = self.include_fee

        created_at = self.created_at.isoformat()

        expires_at: None | str
        if isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        transactions = []
        for transactions_item_data in self.transactions:
            transactions_item = transactions_item_data.to_dict()
            transactions.append(transactions_item)

        refunds = []
        for refunds_item_data in self.refunds:
            refunds_item = refunds_item_data.to_dict()
            refunds.append(refunds_item)

        metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "foreign_id": foreign_id,
                "kind": kind,
                "status": status,
                "status_context": status_context,
                "archived": archived,
                "livemode": livemode,
                "price_amount": price_amount,
                "price_currency": price_currency,
                "pay_currency": pay_currency,
                "network": network,
                "address": address,
                "pay_amount": pay_amount,
                "fee_amount": fee_amount,
                "paid_amount": paid_amount,
                "remaining_amount": remaining_amount,
                "excess_amount": excess_amount,
                "refunded_amount": refunded_amount,
                "shortfall_amount": shortfall_amount,
                "rate": rate,
                "payment_uri": payment_uri,
                "payment_url": payment_url,
                "description": description,
                "customer_email": customer_email,
                "callback_url": callback_url,
                "return_url": return_url,
                "insurance_percent": insurance_percent,
                "slippage_percent": slippage_percent,
                "underpayment_tolerance": underpayment_tolerance,
                "token_qr": token_qr,
                "include_fee": include_fee,
                "created_at": created_at,
                "expires_at": expires_at,
                "transactions": transactions,
                "refunds": refunds,
                "metadata": metadata,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.invoice_metadata import InvoiceMetadata  # noqa: PLC0415
        from ..models.refund import Refund  # noqa: PLC0415
        from ..models.transaction import Transaction  # noqa: PLC0415

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        def _parse_foreign_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        foreign_id = _parse_foreign_id(d.pop("foreign_id"))

        kind = InvoiceKind(d.pop("kind"))

        status = InvoiceStatus(d.pop("status"))

        def _parse_status_context(data: object) -> None | StatusContext:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_context_type_0 = StatusContext(data)

                return status_context_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | StatusContext, data)

        status_context = _parse_status_context(d.pop("status_context"))

        archived = d.pop("archived")

        livemode = d.pop("livemode")

        price_amount = d.pop("price_amount")

        price_currency = d.pop("price_currency")

        def _parse_pay_currency(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        pay_currency = _parse_pay_currency(d.pop("pay_currency"))

        def _parse_network(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        network = _parse_network(d.pop("network"))

        def _parse_address(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        address = _parse_address(d.pop("address"))

        def _parse_pay_amount(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        pay_amount = _parse_pay_amount(d.pop("pay_amount"))

        def _parse_fee_amount(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        fee_amount = _parse_fee_amount(d.pop("fee_amount"))

        paid_amount = d.pop("paid_amount")

        def _parse_remaining_amount(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        remaining_amount = _parse_remaining_amount(d.pop("remaining_amount"))

        def _parse_excess_amount(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        excess_amount = _parse_excess_amount(d.pop("excess_amount"))

        def _parse_refunded_amount(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        refunded_amount = _parse_refunded_amount(d.pop("refunded_amount"))

        def _parse_shortfall_amount(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        shortfall_amount = _parse_shortfall_amount(d.pop("shortfall_amount"))

        def _parse_rate(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        rate = _parse_rate(d.pop("rate"))

        def _parse_payment_uri(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        payment_uri = _parse_payment_uri(d.pop("payment_uri"))

        payment_url = d.pop("payment_url")

        description = d.pop("description")

        customer_email = d.pop("customer_email")

        def _parse_callback_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        callback_url = _parse_callback_url(d.pop("callback_url"))

        def _parse_return_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        return_url = _parse_return_url(d.pop("return_url"))

        insurance_percent = d.pop("insurance_percent")

        slippage_percent = d.pop("slippage_percent")

        underpayment_tolerance = d.pop("underpayment_tolerance")

        token_qr = TokenQrEnum(d.pop("token_qr"))

        include_fee = d.pop("include_fee")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_expires_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        expires_at = _parse_expires_at(d.pop("expires_at"))

        transactions = []
        _transactions = d.pop("transactions")
        for transactions_item_data in _transactions:
            transactions_item = Transaction.from_dict(transactions_item_data)

            transactions.append(transactions_item)

        refunds = []
        _refunds = d.pop("refunds")
        for refunds_item_data in _refunds:
            refunds_item = Refund.from_dict(refunds_item_data)

            refunds.append(refunds_item)

        metadata = InvoiceMetadata.from_dict(d.pop("metadata"))

        invoice = cls(
            id=id,
            foreign_id=foreign_id,
            kind=kind,
            status=status,
            status_context=status_context,
            archived=archived,
            livemode=livemode,
            price_amount=price_amount,
            price_currency=price_currency,
            pay_currency=pay_currency,
            network=network,
            address=address,
            pay_amount=pay_amount,
            fee_amount=fee_amount,
            paid_amount=paid_amount,
            remaining_amount=remaining_amount,
            excess_amount=excess_amount,
            refunded_amount=refunded_amount,
            shortfall_amount=shortfall_amount,
            rate=rate,
            payment_uri=payment_uri,
            payment_url=payment_url,
            description=description,
            customer_email=customer_email,
            callback_url=callback_url,
            return_url=return_url,
            insurance_percent=insurance_percent,
            slippage_percent=slippage_percent,
            underpayment_tolerance=underpayment_tolerance,
            token_qr=token_qr,
            include_fee=include_fee,
            created_at=created_at,
            expires_at=expires_at,
            transactions=transactions,
            refunds=refunds,
            metadata=metadata,
        )

        invoice.additional_properties = d
        return invoice

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
