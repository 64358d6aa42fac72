"""The Greenfield webhook dialect, pure: one of our events (its type, its actor and the
invoice payload it carries) as the Greenfield events BTCPay would send, and their
signature. The webhook endpoints deliver them (webhooks/, the dialect registry)."""

from __future__ import annotations

import hashlib
import hmac

from greenfield import mapping, shapes

# Who changed an invoice by hand: the merchant's key or dashboard user (not the chain, the
# merchant's automatic rules or the payer).
MANUAL_ACTORS = ("api_key:", "user:")

# An invoice's making (our Event.CREATED, recorded only while an endpoint wants it).
CREATED = "InvoiceCreated"

# A status change, by the Greenfield status it lands in: the event BTCPay sends.
STATUS_EVENTS = {
    mapping.PROCESSING: "InvoiceProcessing",
    mapping.SETTLED: "InvoiceSettled",
    mapping.EXPIRED: "InvoiceExpired",
    mapping.INVALID: "InvoiceInvalid",
}


def is_manual(actor: str) -> bool:
    return actor.startswith(MANUAL_ACTORS)


def events(event_type: str, actor: str, invoice: dict, store_id: str) -> list[dict]:
    """Greenfield event bodies (without the delivery's own fields, `envelope`) for one of
    ours. Our transaction events carry the invoice, not the transaction: a new payment is
    the invoice's latest detected one, a settled payment its latest confirmed one."""
    manual = is_manual(actor)
    status, additional = mapping.to_greenfield(invoice["status"], invoice["status_context"], manual)
    base = {
        "storeId": store_id,
        "invoiceId": invoice["id"],
        "metadata": shapes.invoice_data(invoice, store_id)["metadata"],
    }
    if event_type == "invoice_created":
        return [{**base, "type": CREATED}]
    if event_type == "transaction_created" and invoice["transactions"]:
        tx = max(invoice["transactions"], key=lambda t: t["detected_at"])
        return [_payment_event("InvoiceReceivedPayment", base, invoice, tx)]
    if event_type == "transaction_confirmed":
        confirmed = [t for t in invoice["transactions"] if t["confirmed_at"]]
        if confirmed:
            tx = max(confirmed, key=lambda t: t["confirmed_at"])
            return [_payment_event("InvoicePaymentSettled", base, invoice, tx)]
        return []
    if event_type != "status_changed" or status not in STATUS_EVENTS:
        return []
    body = {**base, "type": STATUS_EVENTS[status]}
    if status == mapping.SETTLED:
        body |= {"manuallyMarked": additional == mapping.MARKED, "overPaid": _overpaid(invoice)}
    elif status == mapping.PROCESSING:
        body["overPaid"] = _overpaid(invoice)
    elif status == mapping.INVALID:
        body["manuallyMarked"] = manual or additional == mapping.MARKED
    elif status == mapping.EXPIRED:
        body["partiallyPaid"] = additional in (mapping.PAID_PARTIAL, mapping.PAID_LATE)
    return [body]


def _overpaid(invoice: dict) -> bool:
    return invoice["status_context"] == "overpaid"


def _payment_event(kind: str, base: dict, invoice: dict, tx: dict) -> dict:
    expires = shapes.unix(invoice["expires_at"])
    paid = shapes.unix(tx["paid_at"])
    return {
        **base,
        "type": kind,
        "afterExpiration": expires is not None and paid is not None and paid > expires,
        "paymentMethodId": mapping.payment_method_id(tx["asset"], tx["network"]),
        "payment": shapes.payment(tx, invoice["address"]),
    }


def envelope(
    body: dict,
    *,
    delivery_id: str,
    webhook_id: str,
    timestamp: int,
    original_delivery_id: str | None = None,
) -> dict:
    """A body as one delivery sends it: BTCPay's delivery fields (a redelivery names the
    delivery it repeats)."""
    return {
        **body,
        "deliveryId": delivery_id,
        "webhookId": webhook_id,
        "originalDeliveryId": original_delivery_id or delivery_id,
        "isRedelivery": original_delivery_id is not None,
        "timestamp": timestamp,
    }


def signature(secret: str, raw_body: bytes) -> str:
    """The `BTCPay-Sig` header: `sha256=` and the hex HMAC-SHA256 of the raw body."""
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


# --- the webhook endpoints as Greenfield shows them --------------------------------------------


def authorized_events(events: list[str]) -> dict:
    """An endpoint's event filter (`["*"]` or its Greenfield types) as `authorizedEvents`."""
    if "*" in events:
        return {"everything": True, "specificEvents": []}
    return {"everything": False, "specificEvents": list(events)}


def event_filter(authorized: dict | None) -> list[str]:
    """`authorizedEvents` as an endpoint's event filter: everything unless it says
    `everything: false` (BTCPay's default is true)."""
    if not authorized or authorized.get("everything", True) is not False:
        return ["*"]
    return list(authorized.get("specificEvents") or [])


def webhook_data(webhook_id: str, url: str, enabled: bool, events: list[str]) -> dict:
    """WebhookData. Failed deliveries are always retried (webhooks.callbacks' schedule)."""
    return {
        "id": webhook_id,
        "enabled": enabled,
        "automaticRedelivery": True,
        "url": url,
        "authorizedEvents": authorized_events(events),
    }


def delivery_status(status_code: int | None, succeeded: bool) -> str:
    """BTCPay's delivery statuses: no answer is `Failed`, a refusal `HttpError`."""
    if succeeded:
        return "HttpSuccess"
    return "Failed" if status_code is None else "HttpError"
