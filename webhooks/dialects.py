"""What an endpoint's dialect decides: which events it is sent, the body and the signature.

A dialect is registered once under the name an endpoint's `dialect` field holds.
`cryptogate` (ours: our event types, our bodies as `CallbackEvent`, `X-Signature`) is
registered here; the Greenfield layer registers `greenfield` (BTCPay's event types and
bodies, `BTCPay-Sig`) from its own app's ready(). Until a dialect is registered its
endpoints cannot be created and are sent nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from invoices.models import Event
from invoices.representation import CallbackEventResponse
from webhooks.models import Delivery


@dataclass(frozen=True)
class Dialect:
    name: str
    # The event types an endpoint of this dialect may subscribe to (its own vocabulary).
    event_types: tuple[str, ...]
    # The dialect's event type for one of our events, or None when it has nothing to say.
    event_type: Callable[[Event], str | None]
    # The raw body a delivery sends (its event's, with what the dialect says of the delivery).
    body: Callable[[Delivery], bytes]
    # The signature headers for a body: (secrets, when, body) → headers.
    sign: Callable[[list[str], datetime, bytes], dict[str, str]]
    # Its event type for an invoice's making (Event.CREATED), or None when it reports none.
    # Known before any invoice, so that creation records the event only while an endpoint
    # wants it (webhooks.endpoints keeps Merchant.records_invoice_creation).
    created: str | None = None


DIALECTS: dict[str, Dialect] = {}


def register(dialect: Dialect) -> None:
    DIALECTS[dialect.name] = dialect


def get(name: str) -> Dialect | None:
    return DIALECTS.get(name)


def subscribed_to(subscribed: list[str], event_type: str | None) -> bool:
    """Whether an event filter takes an event of this type (None: the dialect has none)."""
    return event_type is not None and ("*" in subscribed or event_type in subscribed)


def wants(dialect: Dialect, subscribed: list[str], event: Event) -> bool:
    """Whether an endpoint with this dialect and event filter is sent the event."""
    return subscribed_to(subscribed, dialect.event_type(event))


def wants_creation(dialect: Dialect, subscribed: list[str]) -> bool:
    """Whether an endpoint with this dialect and event filter is sent invoices' making."""
    return subscribed_to(subscribed, dialect.created)


# --- ours -----------------------------------------------------------------------------------


def signature_header(secrets: list[str], timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, one v1 per secret."""
    signed = f"{timestamp}.".encode() + body
    return ",".join(
        [f"t={timestamp}"]
        + [
            "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
            for secret in secrets
        ]
    )


def cryptogate_body(event: Event) -> bytes:
    return json.dumps(CallbackEventResponse.render(event), separators=(",", ":")).encode()


def cryptogate_sign(secrets: list[str], now: datetime, body: bytes) -> dict[str, str]:
    return {"X-Signature": signature_header(secrets, int(now.timestamp()), body)}


CRYPTOGATE = Dialect(
    name="cryptogate",
    event_types=Event.TYPES,
    event_type=lambda event: event.type if event.type in Event.TYPES else None,
    body=lambda delivery: cryptogate_body(delivery.event),
    sign=cryptogate_sign,
)
register(CRYPTOGATE)
