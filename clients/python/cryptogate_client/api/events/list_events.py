from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.event_page import EventPage
from ...models.event_type import EventType
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    cursor: str | Unset = UNSET,
    delivered: bool | Unset = UNSET,
    endpoint: UUID | Unset = UNSET,
    failing: bool | Unset = UNSET,
    invoice: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    type_: EventType | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["cursor"] = cursor

    params["delivered"] = delivered

    json_endpoint: str | Unset = UNSET
    if not isinstance(endpoint, Unset):
        json_endpoint = str(endpoint)
    params["endpoint"] = json_endpoint

    params["failing"] = failing

    json_invoice: str | Unset = UNSET
    if not isinstance(invoice, Unset):
        json_invoice = str(invoice)
    params["invoice"] = json_invoice

    params["limit"] = limit

    json_type_: str | Unset = UNSET
    if not isinstance(type_, Unset):
        json_type_ = type_.value

    params["type"] = json_type_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/events",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | EventPage | None:
    if response.status_code == 200:
        response_200 = EventPage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | EventPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
    delivered: bool | Unset = UNSET,
    endpoint: UUID | Unset = UNSET,
    failing: bool | Unset = UNSET,
    invoice: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    type_: EventType | Unset = UNSET,
) -> Response[Error | EventPage]:
    """Callback events with their delivery attempts, newest first

     Newest first, cursor-paginated; filters `invoice`, `endpoint`, `type`, `delivered`
    (to every endpoint that wanted it) and `failing` (not delivered, and at least one
    attempt failed); an endpoint not the merchant's is a 404.

    Args:
        cursor (str | Unset):
        delivered (bool | Unset):
        endpoint (UUID | Unset):
        failing (bool | Unset):
        invoice (UUID | Unset):
        limit (int | Unset):
        type_ (EventType | Unset): * `transaction_created` - transaction_created
            * `transaction_confirmed` - transaction_confirmed
            * `transaction_updated` - transaction_updated
            * `transaction_reverted` - transaction_reverted
            * `status_changed` - status_changed
            * `refund_updated` - refund_updated

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | EventPage]
    """

    kwargs = _get_kwargs(
        cursor=cursor,
        delivered=delivered,
        endpoint=endpoint,
        failing=failing,
        invoice=invoice,
        limit=limit,
        type_=type_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
    delivered: bool | Unset = UNSET,
    endpoint: UUID | Unset = UNSET,
    failing: bool | Unset = UNSET,
    invoice: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    type_: EventType | Unset = UNSET,
) -> Error | EventPage | None:
    """Callback events with their delivery attempts, newest first

     Newest first, cursor-paginated; filters `invoice`, `endpoint`, `type`, `delivered`
    (to every endpoint that wanted it) and `failing` (not delivered, and at least one
    attempt failed); an endpoint not the merchant's is a 404.

    Args:
        cursor (str | Unset):
        delivered (bool | Unset):
        endpoint (UUID | Unset):
        failing (bool | Unset):
        invoice (UUID | Unset):
        limit (int | Unset):
        type_ (EventType | Unset): * `transaction_created` - transaction_created
            * `transaction_confirmed` - transaction_confirmed
            * `transaction_updated` - transaction_updated
            * `transaction_reverted` - transaction_reverted
            * `status_changed` - status_changed
            * `refund_updated` - refund_updated

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | EventPage
    """

    return sync_detailed(
        client=client,
        cursor=cursor,
        delivered=delivered,
        endpoint=endpoint,
        failing=failing,
        invoice=invoice,
        limit=limit,
        type_=type_,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
    delivered: bool | Unset = UNSET,
    endpoint: UUID | Unset = UNSET,
    failing: bool | Unset = UNSET,
    invoice: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    type_: EventType | Unset = UNSET,
) -> Response[Error | EventPage]:
    """Callback events with their delivery attempts, newest first

     Newest first, cursor-paginated; filters `invoice`, `endpoint`, `type`, `delivered`
    (to every endpoint that wanted it) and `failing` (not delivered, and at least one
    attempt failed); an endpoint not the merchant's is a 404.

    Args:
        cursor (str | Unset):
        delivered (bool | Unset):
        endpoint (UUID | Unset):
        failing (bool | Unset):
        invoice (UUID | Unset):
        limit (int | Unset):
        type_ (EventType | Unset): * `transaction_created` - transaction_created
            * `transaction_confirmed` - transaction_confirmed
            * `transaction_updated` - transaction_updated
            * `transaction_reverted` - transaction_reverted
            * `status_changed` - status_changed
            * `refund_updated` - refund_updated

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | EventPage]
    """

    kwargs = _get_kwargs(
        cursor=cursor,
        delivered=delivered,
        endpoint=endpoint,
        failing=failing,
        invoice=invoice,
        limit=limit,
        type_=type_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
    delivered: bool | Unset = UNSET,
    endpoint: UUID | Unset = UNSET,
    failing: bool | Unset = UNSET,
    invoice: UUID | Unset = UNSET,
    limit: int | Unset = UNSET,
    type_: EventType | Unset = UNSET,
) -> Error | EventPage | None:
    """Callback events with their delivery attempts, newest first

     Newest first, cursor-paginated; filters `invoice`, `endpoint`, `type`, `delivered`
    (to every endpoint that wanted it) and `failing` (not delivered, and at least one
    attempt failed); an endpoint not the merchant's is a 404.

    Args:
        cursor (str | Unset):
        delivered (bool | Unset):
        endpoint (UUID | Unset):
        failing (bool | Unset):
        invoice (UUID | Unset):
        limit (int | Unset):
        type_ (EventType | Unset): * `transaction_created` - transaction_created
            * `transaction_confirmed` - transaction_confirmed
            * `transaction_updated` - transaction_updated
            * `transaction_reverted` - transaction_reverted
            * `status_changed` - status_changed
            * `refund_updated` - refund_updated

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | EventPage
    """

    return (
        await asyncio_detailed(
            client=client,
            cursor=cursor,
            delivered=delivered,
            endpoint=endpoint,
            failing=failing,
            invoice=invoice,
            limit=limit,
            type_=type_,
        )
    ).parsed
