from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.mine_request import MineRequest
from ...models.sandbox_height import SandboxHeight
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: MineRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/sandbox/mine",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | SandboxHeight | None:
    if response.status_code == 200:
        response_200 = SandboxHeight.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | SandboxHeight]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: MineRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Error | SandboxHeight]:
    """Mine sandbox blocks (and scan them)

     The sandbox's operations: for test keys only, and only while the sandbox is on.

    Args:
        idempotency_key (str | Unset):
        body (MineRequest | Unset): Refuses fields it does not know, so a typo is an error instead
            of a silent default.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SandboxHeight]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: MineRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Error | SandboxHeight | None:
    """Mine sandbox blocks (and scan them)

     The sandbox's operations: for test keys only, and only while the sandbox is on.

    Args:
        idempotency_key (str | Unset):
        body (MineRequest | Unset): Refuses fields it does not know, so a typo is an error instead
            of a silent default.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SandboxHeight
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: MineRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[Error | SandboxHeight]:
    """Mine sandbox blocks (and scan them)

     The sandbox's operations: for test keys only, and only while the sandbox is on.

    Args:
        idempotency_key (str | Unset):
        body (MineRequest | Unset): Refuses fields it does not know, so a typo is an error instead
            of a silent default.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SandboxHeight]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: MineRequest | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Error | SandboxHeight | None:
    """Mine sandbox blocks (and scan them)

     The sandbox's operations: for test keys only, and only while the sandbox is on.

    Args:
        idempotency_key (str | Unset):
        body (MineRequest | Unset): Refuses fields it does not know, so a typo is an error instead
            of a silent default.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SandboxHeight
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
