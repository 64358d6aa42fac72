from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.monero_wallet_request import MoneroWalletRequest
from ...models.wallet import Wallet
from ...models.wallet_family import WalletFamily
from ...models.wallet_request import WalletRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    family: WalletFamily,
    *,
    body: MoneroWalletRequest | Unset | WalletRequest = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api/v1/wallets/{family}".format(
            family=quote(str(family), safe=""),
        ),
    }

    if isinstance(body, WalletRequest):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | Wallet | None:
    if response.status_code == 200:
        response_200 = Wallet.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

    if response.status_code == 415:
        response_415 = Error.from_dict(response.json())

        return response_415

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Error | Wallet]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    family: WalletFamily,
    *,
    client: AuthenticatedClient,
    body: MoneroWalletRequest | Unset | WalletRequest = UNSET,
) -> Response[Error | Wallet]:
    """Set or replace a family's account xpub

     The `monero` family takes `address` and `view_key` instead of `xpub`: the view key must belong to
    the address (else `view_key_mismatch`), is stored sealed and is never shown again; the answer's
    `xpub` is the address.

    Args:
        family (WalletFamily): * `bitcoin` - bitcoin
            * `litecoin` - litecoin
            * `litecoin-regtest` - litecoin-regtest
            * `bitcoin-testnet` - bitcoin-testnet
            * `litecoin-testnet` - litecoin-testnet
            * `evm` - evm
            * `tron` - tron
            * `sandbox` - sandbox
            * `monero` - monero
        body (MoneroWalletRequest | Unset | WalletRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Wallet]
    """

    kwargs = _get_kwargs(
        family=family,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    family: WalletFamily,
    *,
    client: AuthenticatedClient,
    body: MoneroWalletRequest | Unset | WalletRequest = UNSET,
) -> Error | Wallet | None:
    """Set or replace a family's account xpub

     The `monero` family takes `address` and `view_key` instead of `xpub`: the view key must belong to
    the address (else `view_key_mismatch`), is stored sealed and is never shown again; the answer's
    `xpub` is the address.

    Args:
        family (WalletFamily): * `bitcoin` - bitcoin
            * `litecoin` - litecoin
            * `litecoin-regtest` - litecoin-regtest
            * `bitcoin-testnet` - bitcoin-testnet
            * `litecoin-testnet` - litecoin-testnet
            * `evm` - evm
            * `tron` - tron
            * `sandbox` - sandbox
            * `monero` - monero
        body (MoneroWalletRequest | Unset | WalletRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Wallet
    """

    return sync_detailed(
        family=family,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    family: WalletFamily,
    *,
    client: AuthenticatedClient,
    body: MoneroWalletRequest | Unset | WalletRequest = UNSET,
) -> Response[Error | Wallet]:
    """Set or replace a family's account xpub

     The `monero` family takes `address` and `view_key` instead of `xpub`: the view key must belong to
    the address (else `view_key_mismatch`), is stored sealed and is never shown again; the answer's
    `xpub` is the address.

    Args:
        family (WalletFamily): * `bitcoin` - bitcoin
            * `litecoin` - litecoin
            * `litecoin-regtest` - litecoin-regtest
            * `bitcoin-testnet` - bitcoin-testnet
            * `litecoin-testnet` - litecoin-testnet
            * `evm` - evm
            * `tron` - tron
            * `sandbox` - sandbox
            * `monero` - monero
        body (MoneroWalletRequest | Unset | WalletRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Wallet]
    """

    kwargs = _get_kwargs(
        family=family,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    family: WalletFamily,
    *,
    client: AuthenticatedClient,
    body: MoneroWalletRequest | Unset | WalletRequest = UNSET,
) -> Error | Wallet | None:
    """Set or replace a family's account xpub

     The `monero` family takes `address` and `view_key` instead of `xpub`: the view key must belong to
    the address (else `view_key_mismatch`), is stored sealed and is never shown again; the answer's
    `xpub` is the address.

    Args:
        family (WalletFamily): * `bitcoin` - bitcoin
            * `litecoin` - litecoin
            * `litecoin-regtest` - litecoin-regtest
            * `bitcoin-testnet` - bitcoin-testnet
            * `litecoin-testnet` - litecoin-testnet
            * `evm` - evm
            * `tron` - tron
            * `sandbox` - sandbox
            * `monero` - monero
        body (MoneroWalletRequest | Unset | WalletRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Wallet
    """

    return (
        await asyncio_detailed(
            family=family,
            client=client,
            body=body,
        )
    ).parsed
