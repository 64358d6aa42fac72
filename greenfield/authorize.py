"""BTCPay's authorize request (`/api-keys/authorize?applicationName=…&permissions=…&
redirect=…`), read and checked: pure, so the dashboard page only renders what this decides."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from greenfield import mapping

PERMISSION_LABELS = {
    "btcpay.store.canviewinvoices": "View your invoices",
    "btcpay.store.cancreateinvoice": "Create invoices",
    "btcpay.store.canmodifyinvoices": "Mark invoices settled or invalid, and refund them",
    "btcpay.store.canviewstoresettings": "View your store's name and payment methods",
    mapping.WEBHOOKS: "Manage your store's webhooks",
}


class Refused(ValueError):
    """The request cannot be approved; the message says why, to the person approving."""


@dataclass(frozen=True)
class Request:
    application: str
    identifier: str
    permissions: tuple[str, ...]  # names, without the store
    redirect: str  # "" when the key is only shown


def parse(params, store_id: str, allow_private: bool) -> Request:
    """`params`: the query (get / getlist). A permission may name this store
    (`…:STOREID`), no other; one this gateway does not grant is refused, not dropped, so
    what is approved is what the application asked for."""
    permissions: list[str] = []
    for asked in params.getlist("permissions"):
        name, _, store = asked.partition(":")
        if store and store != store_id:
            raise Refused(f"{asked} names another store")
        if name not in PERMISSION_LABELS:
            raise Refused(f"this gateway does not grant {name}")
        if name not in permissions:
            permissions.append(name)
    if not permissions:
        raise Refused("the application asks for no permission")
    redirect = params.get("redirect") or ""
    if redirect and not redirect_allowed(redirect, allow_private):
        raise Refused("the key can only be sent to an https address")
    return Request(
        application=(params.get("applicationName") or "An application")[:200],
        identifier=(params.get("applicationIdentifier") or "")[:200],
        permissions=tuple(permissions),
        redirect=redirect,
    )


def redirect_allowed(url: str, allow_private: bool) -> bool:
    """https anywhere; http only to this machine, and only where callbacks may go to private
    addresses (CALLBACKS_ALLOW_PRIVATE, development and tests)."""
    parts = urlsplit(url)
    if not parts.hostname or parts.username or parts.password:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and allow_private and _loopback(parts.hostname)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def may_grant(role: str, permissions: tuple[str, ...]) -> list[str]:
    """The asked permissions a team member in `role` does not hold (empty: may approve)."""
    held = mapping.ROLE_PERMISSIONS.get(role, ())
    return [p for p in permissions if p not in held]
