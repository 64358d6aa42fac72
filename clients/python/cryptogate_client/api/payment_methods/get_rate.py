from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.rate import Rate
from ...types import UNSET, Response


def _get_kwargs(
    *,
    base: str,
    quote: str,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["base"] = base

    params["quote"] = quote

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/rates",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | Rate | None:
    if response.status_code == 200:
        response_200 = Rate.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 422:
        response_422 = Error.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | Rate]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    base: str,
    quote: str,
) -> Response[Error | Rate]:
    """The current rate of a pair and when it was fetched

    Args:
        base (str):
        quote (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Rate]
    """

    kwargs = _get_kwargs(
        base=base,
        quote=quote,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    base: str,
    quote: str,
) -> Error | Rate | None:
    """The current rate of a pair and when it was fetched

    Args:
        base (str):
        quote (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Rate
    """

    return sync_detailed(
        client=client,
        base=base,
        quote=quote,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    base: str,
    quote: str,
) -> Response[Error | Rate]:
    """The current rate of a pair and when it was fetched

    Args:
        base (str):
        quote (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Rate]
    """

    kwargs = _get_kwargs(
        base=base,
        quote=quote,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    base: str,
    quote: str,
) -> Error | Rate | None:
    """The current rate of a pair and when it was fetched

    Args:
        base (str):
        quote (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Rate
    """

    return (
        await asyncio_detailed(
            client=client,
            base=base,
            quote=quote,
        )
    ).parsed
