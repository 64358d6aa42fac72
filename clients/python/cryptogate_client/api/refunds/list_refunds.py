import datetime
from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.refund_page import RefundPage
from ...models.refund_status import RefundStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    invoice: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    status: RefundStatus | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_created_after: str | Unset = UNSET
    if not isinstance(created_after, Unset):
        json_created_after = created_after.isoformat()
    params["created_after"] = json_created_after

    json_created_before: str | Unset = UNSET
    if not isinstance(created_before, Unset):
        json_created_before = created_before.isoformat()
    params["created_before"] = json_created_before

    params["cursor"] = cursor

    json_invoice: str | Unset = UNSET
    if not isinstance(invoice, Unset):
        json_invoice = str(invoice)
    params["invoice"] = json_invoice

    params["limit"] = limit

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/refunds",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | RefundPage | None:
    if response.status_code == 200:
        response_200 = RefundPage.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | RefundPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    invoice: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    status: RefundStatus | Unset = UNSET,
) -> Response[Error | RefundPage]:
    """List refunds, newest first

    Args:
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        invoice (UUID | Unset):
        limit (int | Unset):
        status (RefundStatus | Unset): * `awaiting_claim` - awaiting_claim
            * `claimed` - claimed
            * `paid` - paid
            * `confirmed` - confirmed
            * `cancelled` - cancelled

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | RefundPage]
    """

    kwargs = _get_kwargs(
        created_after=created_after,
        created_before=created_before,
        cursor=cursor,
        invoice=invoice,
        limit=limit,
        status=status,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    invoice: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    status: RefundStatus | Unset = UNSET,
) -> Error | RefundPage | None:
    """List refunds, newest first

    Args:
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        invoice (UUID | Unset):
        limit (int | Unset):
        status (RefundStatus | Unset): * `awaiting_claim` - awaiting_claim
            * `claimed` - claimed
            * `paid` - paid
            * `confirmed` - confirmed
            * `cancelled` - cancelled

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | RefundPage
    """

    return sync_detailed(
        client=client,
        created_after=created_after,
        created_before=created_before,
        cursor=cursor,
        invoice=invoice,
        limit=limit,
        status=status,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    invoice: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    status: RefundStatus | Unset = UNSET,
) -> Response[Error | RefundPage]:
    """List refunds, newest first

    Args:
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        invoice (UUID | Unset):
        limit (int | Unset):
        status (RefundStatus | Unset): * `awaiting_claim` - awaiting_claim
            * `claimed` - claimed
            * `paid` - paid
            * `confirmed` - confirmed
            * `cancelled` - cancelled

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | RefundPage]
    """

    kwargs = _get_kwargs(
        created_after=created_after,
        created_before=created_before,
        cursor=cursor,
        invoice=invoice,
        limit=limit,
        status=status,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    created_after: datetime.datetime | Unset = UNSET,
    created_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    invoice: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    status: RefundStatus | Unset = UNSET,
) -> Error | RefundPage | None:
    """List refunds, newest first

    Args:
        created_after (datetime.datetime | Unset):
        created_before (datetime.datetime | Unset):
        cursor (str | Unset):
        invoice (UUID | Unset):
        limit (int | Unset):
        status (RefundStatus | Unset): * `awaiting_claim` - awaiting_claim
            * `claimed` - claimed
            * `paid` - paid
            * `confirmed` - confirmed
            * `cancelled` - cancelled

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | RefundPage
    """

    return (
        await asyncio_detailed(
            client=client,
            created_after=created_after,
            created_before=created_before,
            cursor=cursor,
            invoice=invoice,
            limit=limit,
            status=status,
        )
    ).parsed
