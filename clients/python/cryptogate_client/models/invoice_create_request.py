from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.invoice_kind import InvoiceKind
from ..models.token_qr_enum import TokenQrEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.invoice_create_request_metadata import InvoiceCreateRequestMetadata


T = TypeVar("T", bound="InvoiceCreateRequest")


@_attrs_define
class InvoiceCreateRequest:
    """Refuses fields it does not know, so a typo is an error instead of a silent default.

    Attributes:
        price_amount (str): an exact decimal string (never a JSON number), greater than 0, with at most the currency's
            decimals, below 10^15 of its whole units Example: 10.50.
        price_currency (str):
        kind (InvoiceKind | Unset): * `open` - open
            * `timed` - timed
            * `fixed` - fixed
        pay_currency (None | str | Unset):
        network (None | str | Unset):
        foreign_id (None | str | Unset):
        description (str | Unset):
        customer_email (str | Unset):
        callback_url (str | Unset):
        return_url (str | Unset):
        insurance_percent (str | Unset): an exact decimal string (never a JSON number) Example: 10.50.
        slippage_percent (str | Unset): an exact decimal string (never a JSON number) Example: 10.50.
        underpayment_tolerance (str | Unset): the shortfall accepted as paid, in price_currency (e.g. an exchange's
            withdrawal fee); default: the merchant's for that currency Example: 1.00.
        token_qr (TokenQrEnum | Unset): * `uri` - uri
            * `address` - address
        include_fee (bool | Unset):
        metadata (InvoiceCreateRequestMetadata | Unset):
    """

    price_amount: str
    price_currency: str
    kind: InvoiceKind | Unset = UNSET
    pay_currency: None | str | Unset = UNSET
    network: None | str | Unset = UNSET
    foreign_id: None | str | Unset = UNSET
    description: str | Unset = UNSET
    customer_email: str | Unset = UNSET
    callback_url: str | Unset = UNSET
    return_url: str | Unset = UNSET
    insurance_percent: str | Unset = UNSET
    slippage_percent: str | Unset = UNSET
    underpayment_tolerance: str | Unset = UNSET
    token_qr: TokenQrEnum | Unset = UNSET
    include_fee: bool | Unset = UNSET
    metadata: InvoiceCreateRequestMetadata | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        price_amount = self.price_amount

        price_currency = self.price_currency

        kind: str | Unset = UNSET
        if not isinstance(self.kind, Unset):
            kind = self.kind.value

        pay_currency: None | str | Unset
        if isinstance(self.pay_currency, Unset):
            pay_currency = UNSET
        else:
            pay_currency = self.pay_currency

        network: None | str | Unset
        if isinstance(self.network, Unset):
            network = UNSET
        else:
            network = self.network

        foreign_id: None | str | Unset
        if isinstance(self.foreign_id, Unset):
            foreign_id = UNSET
        else:
            foreign_id = self.foreign_id

        description = self.description

        customer_email: str | Unset
        if isinstance(self.customer_email, Unset):
            customer_email = UNSET
        else:
            customer_email = self.customer_email

        callback_url: str | Unset
        if isinstance(self.callback_url, Unset):
            callback_url = UNSET
        else:
            callback_url = self.callback_url

        return_url: str | Unset
        if isinstance(self.return_url, Unset):
            return_url = UNSET
        else:
            return_url = self.return_url

        insurance_percent = self.insurance_percent

        slippage_percent = self.slippage_percent

        underpayment_tolerance = self.underpayment_tolerance

        token_qr: str | Unset = UNSET
        if not isinstance(self.token_qr, Unset):
            token_qr = self.token_qr.value

        include_fee = self.include_fee

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "price_amount": price_amount,
                "price_currency": price_currency,
            }
        )
        if kind is not UNSET:
            field_dict["kind"] = kind
        if pay_currency is not UNSET:
            field_dict["pay_currency"] = pay_currency
        if network is not UNSET:
            field_dict["network"] = network
        if foreign_id is not UNSET:
            field_dict["foreign_id"] = foreign_id
        if description is not UNSET:
            field_dict["description"] = description
        if customer_email is not UNSET:
            field_dict["customer_email"] = customer_email
        if callback_url is not UNSET:
            field_dict["callback_url"] = callback_url
        if return_url is not UNSET:
            field_dict["return_url"] = return_url
        if insurance_percent is not UNSET:
            field_dict["insurance_percent"] = insurance_percent
        if slippage_percent is not UNSET:
            field_dict["slippage_percent"] = slippage_percent
        if underpayment_tolerance is not UNSET:
            field_dict["underpayment_tolerance"] = underpayment_tolerance
        if token_qr is not UNSET:
            field_dict["token_qr"] = token_qr
        if include_fee is not UNSET:
            field_dict["include_fee"] = include_fee
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.invoice_create_request_metadata import InvoiceCreateRequestMetadata  # noqa: PLC0415

        d = dict(src_dict)
        price_amount = d.pop("price_amount")

        price_currency = d.pop("price_currency")

        _kind = d.pop("kind", UNSET)
        kind: InvoiceKind | Unset
        if isinstance(_kind, Unset):
            kind = UNSET
        else:
            kind = InvoiceKind(_kind)

        def _parse_pay_currency(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        pay_currency = _parse_pay_currency(d.pop("pay_currency", UNSET))

        def _parse_network(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        network = _parse_network(d.pop("network", UNSET))

        def _parse_foreign_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        foreign_id = _parse_foreign_id(d.pop("foreign_id", UNSET))

        description = d.pop("description", UNSET)

        def _parse_customer_email(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        customer_email = _parse_customer_email(d.pop("customer_email", UNSET))

        def _parse_callback_url(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        callback_url = _parse_callback_url(d.pop("callback_url", UNSET))

        def _parse_return_url(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        return_url = _parse_return_url(d.pop("return_url", UNSET))

        insurance_percent = d.pop("insurance_percent", UNSET)

        slippage_percent = d.pop("slippage_percent", UNSET)

        underpayment_tolerance = d.pop("underpayment_tolerance", UNSET)

        _token_qr = d.pop("token_qr", UNSET)
        token_qr: TokenQrEnum | Unset
        if isinstance(_token_qr, Unset):
            token_qr = UNSET
        else:
            token_qr = TokenQrEnum(_token_qr)

        include_fee = d.pop("include_fee", UNSET)

        _metadata = d.pop("metadata", UNSET)
        metadata: InvoiceCreateRequestMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = InvoiceCreateRequestMetadata.from_dict(_metadata)

        invoice_create_request = cls(
            price_amount=price_amount,
            price_currency=price_currency,
            kind=kind,
            pay_currency=pay_currency,
            network=network,
            foreign_id=foreign_id,
            description=description,
            customer_email=customer_email,
            callback_url=callback_url,
            return_url=return_url,
            insurance_percent=insurance_percent,
            slippage_percent=slippage_percent,
            underpayment_tolerance=underpayment_tolerance,
            token_qr=token_qr,
            include_fee=include_fee,
            metadata=metadata,
        )

        invoice_create_request.additional_properties = d
        return invoice_create_request

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
