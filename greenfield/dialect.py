"""The `greenfield` webhook dialect (webhooks.dialects): our events as the Greenfield
events BTCPay sends (greenfield.webhooks, pure), each in a delivery's envelope, signed
`BTCPay-Sig`. Registered from GreenfieldConfig.ready."""

from __future__ import annotations

import json
from datetime import datetime

from greenfield import webhooks
from invoices.models import Event
from webhooks import dialects
from webhooks.models import Delivery

# What a Greenfield endpoint may ask for (`authorizedEvents.specificEvents`): the invoice
# events of BTCPay's webhooks document that our events give. `InvoiceCreated` is recorded
# only for a merchant with an endpoint that wants it (invoices.models.Event.CREATED), so
# creating invoices costs the others nothing; its sequence 0 sends it first, as BTCPay
# does.
EVENT_TYPES = (
    webhooks.CREATED,
    "InvoiceReceivedPayment",
    "InvoiceProcessing",
    "InvoiceSettled",
    "InvoiceExpired",
    "InvoiceInvalid",
    "InvoicePaymentSettled",
)


def _events(event: Event) -> list[dict]:
    return webhooks.events(event.type, event.actor, event.data, str(event.merchant_id))


def event_type(event: Event) -> str | None:
    found = _events(event)
    return found[0]["type"] if found else None


def body(delivery: Delivery) -> bytes:
    """The event's Greenfield body in the delivery's envelope: the same for each of its
    attempts; a Greenfield redelivery, a delivery of its own, names the first delivery."""
    event = delivery.event
    first = delivery.redelivery_of_id
    enveloped = webhooks.envelope(
        _events(event)[0],
        delivery_id=str(delivery.pk),
        webhook_id=str(delivery.endpoint_id),
        timestamp=int(event.created_at.timestamp()),
        original_delivery_id=str(first) if first else None,
    )
    return json.dumps(enveloped, separators=(",", ":")).encode()


def sign(secrets: list[str], now: datetime, raw_body: bytes) -> dict[str, str]:
    """BTCPay signs with the one current secret (webhooks.callbacks lists it first)."""
    return {"BTCPay-Sig": webhooks.signature(secrets[0], raw_body)}


GREENFIELD = dialects.Dialect(
    name="greenfield",
    event_types=EVENT_TYPES,
    event_type=event_type,
    body=body,
    sign=sign,
    created=webhooks.CREATED,
)
