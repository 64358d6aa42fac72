from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.merchant import Merchant
from ...models.patched_merchant_request import PatchedMerchantRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: PatchedMerchantRequest | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/api/v1/merchant",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | Merchant | None:
    if response.status_code == 200:
        response_200 = Merchant.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 415:
        response_415 = Error.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | Merchant]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: PatchedMerchantRequest | Unset = UNSET,
) -> Response[Error | Merchant]:
    """Change some of the merchant's settings

     `callback_url` is the default webhook endpoint's URL: set, it changes that
    endpoint (made, with a new secret, if the merchant has none); blank, the endpoint
    stays, with its secret, and is sent only invoices' own callback_url.

    Args:
        body (PatchedMerchantRequest | Unset): The settings a merchant changes over the API
            (secrets are rotated, never set);
            `callback_url` and `callback_failing_since` are its default webhook endpoint's.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Merchant]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: PatchedMerchantRequest | Unset = UNSET,
) -> Error | Merchant | None:
    """Change some of the merchant's settings

     `callback_url` is the default webhook endpoint's URL: set, it changes that
    endpoint (made, with a new secret, if the merchant has none); blank, the endpoint
    stays, with its secret, and is sent only invoices' own callback_url.

    Args:
        body (PatchedMerchantRequest | Unset): The settings a merchant changes over the API
            (secrets are rotated, never set);
            `callback_url` and `callback_failing_since` are its default webhook endpoint's.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Merchant
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: PatchedMerchantRequest | Unset = UNSET,
) -> Response[Error | Merchant]:
    """Change some of the merchant's settings

     `callback_url` is the default webhook endpoint's URL: set, it changes that
    endpoint (made, with a new secret, if the merchant has none); blank, the endpoint
    stays, with its secret, and is sent only invoices' own callback_url.

    Args:
        body (PatchedMerchantRequest | Unset): The settings a merchant changes over the API
            (secrets are rotated, never set);
            `callback_url` and `callback_failing_since` are its default webhook endpoint's.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Merchant]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: PatchedMerchantRequest | Unset = UNSET,
) -> Error | Merchant | None:
    """Change some of the merchant's settings

     `callback_url` is the default webhook endpoint's URL: set, it changes that
    endpoint (made, with a new secret, if the merchant has none); blank, the endpoint
    stays, with its secret, and is sent only invoices' own callback_url.

    Args:
        body (PatchedMerchantRequest | Unset): The settings a merchant changes over the API
            (secrets are rotated, never set);
            `callback_url` and `callback_failing_since` are its default webhook endpoint's.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Merchant
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
