import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.invoice_page import InvoicePage
from ...models.invoice_status import InvoiceStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    archived: bool | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    foreign_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    search: str | Unset = UNSET,
    status: InvoiceStatus | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["archived"] = archived

    json_created_after: str | Unset = UNSET
    if not isinstance(created_after, Unset):
        json_created_after = created_after.isoformat()
    params["created_after"] = json_created_after

    json_created_before: str | Unset = UNSET
    if not isinstance(created_before, Unset):
        json_created_before = created_before.isoformat()
    params["created_before"] = json_created_before

    params["cursor"] = cursor

    params["foreign_id"] = foreign_id

    params["limit"] = limit

    params["search"] = search

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/invoices",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | InvoicePage | None:
    if response.status_code == 200:
        response_200 = InvoicePage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | InvoicePage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    archived: bool | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    foreign_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    search: str | Unset = UNSET,
    status: InvoiceStatus | Unset = UNSET,
) -> Response[Error | InvoicePage]:
    """List invoices, newest first

    Args:
        archived (bool | Unset):
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        foreign_id (str | Unset):
        limit (int | Unset):
        search (str | Unset):
        status (InvoiceStatus | Unset): * `new` - new
            * `pending` - pending
            * `compliance_review` - compliance_review
            * `completed` - completed
            * `unresolved` - unresolved
            * `expired` - expired
            * `cancelled` - cancelled
            * `failed` - failed
            * `declined` - declined
            * `refunded` - refunded

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | InvoicePage]
    """

    kwargs = _get_kwargs(
        archived=archived,
        created_after=created_after,
        created_before=created_before,
        cursor=cursor,
        foreign_id=foreign_id,
        limit=limit,
        search=search,
        status=status,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    archived: bool | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    foreign_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    search: str | Unset = UNSET,
    status: InvoiceStatus | Unset = UNSET,
) -> Error | InvoicePage | None:
    """List invoices, newest first

    Args:
        archived (bool | Unset):
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        foreign_id (str | Unset):
        limit (int | Unset):
        search (str | Unset):
        status (InvoiceStatus | Unset): * `new` - new
            * `pending` - pending
            * `compliance_review` - compliance_review
            * `completed` - completed
            * `unresolved` - unresolved
            * `expired` - expired
            * `cancelled` - cancelled
            * `failed` - failed
            * `declined` - declined
            * `refunded` - refunded

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | InvoicePage
    """

    return sync_detailed(
        client=client,
        archived=archived,
        created_after=created_after,
        created_before=created_before,
        cursor=cursor,
        foreign_id=foreign_id,
        limit=limit,
        search=search,
        status=status,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    archived: bool | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    foreign_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    search: str | Unset = UNSET,
    status: InvoiceStatus | Unset = UNSET,
) -> Response[Error | InvoicePage]:
    """List invoices, newest first

    Args:
        archived (bool | Unset):
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        foreign_id (str | Unset):
        limit (int | Unset):
        search (str | Unset):
        status (InvoiceStatus | Unset): * `new` - new
            * `pending` - pending
            * `compliance_review` - compliance_review
            * `completed` - completed
            * `unresolved` - unresolved
            * `expired` - expired
            * `cancelled` - cancelled
            * `failed` - failed
            * `declined` - declined
            * `refunded` - refunded

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | InvoicePage]
    """

    kwargs = _get_kwargs(
        archived=archived,
        created_after=created_after,
        created_before=created_before,
        cursor=cursor,
        foreign_id=foreign_id,
        limit=limit,
        search=search,
        status=status,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    archived: bool | Unset = UNSET,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    foreign_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    search: str | Unset = UNSET,
    status: InvoiceStatus | Unset = UNSET,
) -> Error | InvoicePage | None:
    """List invoices, newest first

    Args:
        archived (bool | Unset):
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        foreign_id (str | Unset):
        limit (int | Unset):
        search (str | Unset):
        status (InvoiceStatus | Unset): * `new` - new
            * `pending` - pending
            * `compliance_review` - compliance_review
            * `completed` - completed
            * `unresolved` - unresolved
            * `expired` - expired
            * `cancelled` - cancelled
            * `failed` - failed
            * `declined` - declined
            * `refunded` - refunded

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | InvoicePage
    """

    return (
        await asyncio_detailed(
            client=client,
            archived=archived,
            created_after=created_after,
            created_before=created_before,
            cursor=cursor,
            foreign_id=foreign_id,
            limit=limit,
            search=search,
            status=status,
        )
    ).parsed
