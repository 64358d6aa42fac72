"""Every Greenfield answer's shape, defined once, built from our own representation (the
invoice payload of invoices.representation, which the API and the callbacks send): this
layer renames and regroups, it computes nothing of its own. Pure: dictionaries in,
dictionaries out; amounts stay decimal strings, times become Unix seconds."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from greenfield import mapping

TX_STATUS = {"pending": "Processing", "confirmed": "Settled", "reverted": "Invalid"}


def unix(iso: str | None) -> int | None:
    if not iso:
        return None
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def _sum(*amounts: str) -> str:
    """Sum of decimal strings of one asset, as a decimal string (exact)."""
    return str(sum((Decimal(a) for a in amounts), Decimal(0)))


def payment(tx: dict, destination: str | None) -> dict:
    """One of our transactions as a Greenfield Payment."""
    return {
        "id": f"{tx['txid']}-{tx['index']}",
        "receivedDate": unix(tx["paid_at"]),
        "value": tx["amount"],
        "fee": "0",
        "status": TX_STATUS[tx["status"]],
        "destination": destination or "",
    }


def invoice_data(invoice: dict, store_id: str, marked: bool = False) -> dict:
    """An invoice payload as Greenfield's InvoiceData."""
    status, additional = mapping.to_greenfield(invoice["status"], invoice["status_context"], marked)
    paid = _sum(*(tx["amount"] for tx in invoice["transactions"] if tx["counted"]))
    metadata = dict(invoice["metadata"])
    if invoice["foreign_id"] is not None:
        metadata.setdefault("orderId", invoice["foreign_id"])
    if invoice["customer_email"]:
        metadata.setdefault("buyerEmail", invoice["customer_email"])
    created = unix(invoice["created_at"])
    expires = unix(invoice["expires_at"])
    return {
        "id": invoice["id"],
        "storeId": store_id,
        "amount": invoice["price_amount"],
        "paidAmount": _paid_in_price(invoice, paid),
        "currency": invoice["price_currency"],
        "type": "Standard",
        "checkoutLink": invoice["payment_url"],
        "createdTime": created,
        "expirationTime": expires if expires is not None else created,
        "monitoringExpiration": expires if expires is not None else created,
        "status": status,
        "additionalStatus": additional,
        "availableStatusesForManualMarking": marking_choices(status),
        "archived": invoice["archived"],
        "metadata": metadata,
        "checkout": {
            "redirectURL": invoice["return_url"],
            "paymentTolerance": percent_number(invoice["slippage_percent"]),
        },
        "receipt": {},
    }


def _paid_in_price(invoice: dict, paid: str) -> str:
    """What was paid, in the invoice's price currency: the price when paid in full (the
    quote's rate fixed it), else the paid share of it at the quote's rate."""
    if invoice["rate"] is None or Decimal(paid) == 0:
        return "0"
    if invoice["pay_amount"] and Decimal(paid) >= Decimal(invoice["pay_amount"]):
        return invoice["price_amount"]
    places = Decimal(invoice["price_amount"]).as_tuple().exponent
    value = Decimal(paid) * Decimal(invoice["rate"])
    return str(value.quantize(Decimal(1).scaleb(int(places)), rounding=ROUND_DOWN))


def marking_choices(status: str) -> list[str]:
    """What a Greenfield client may mark an invoice as, from its Greenfield status."""
    return {
        mapping.NEW: [mapping.INVALID],
        mapping.PROCESSING: [mapping.INVALID],
        mapping.EXPIRED: [mapping.SETTLED, mapping.INVALID],
        mapping.INVALID: [mapping.SETTLED],
        mapping.SETTLED: [mapping.INVALID],
    }[status]


def invoice_payment_methods(invoice: dict) -> list[dict]:
    """InvoicePaymentMethodDataModel items: the method the payer chose, with its quote and
    payments (none before the payer picks one: our quotes are not addresses until then)."""
    if invoice["pay_currency"] is None:
        return []
    chosen = (invoice["pay_currency"], invoice["network"])
    txs = [tx for tx in invoice["transactions"] if (tx["asset"], tx["network"]) == chosen]
    paid = _sum(*(tx["amount"] for tx in txs if tx["counted"]))
    return [
        {
            "paymentMethodId": mapping.payment_method_id(*chosen),
            "currency": chosen[0],
            "destination": invoice["address"] or "",
            "paymentLink": invoice["payment_uri"],
            "rate": invoice["rate"],
            "paymentMethodPaid": paid,
            "totalPaid": paid,
            "due": invoice["remaining_amount"],
            "amount": invoice["pay_amount"],
            "paymentMethodFee": invoice["fee_amount"],
            "payments": [payment(tx, invoice["address"]) for tx in txs],
            "activated": bool(invoice["address"]),
        }
    ]


def percent_number(percent: str) -> float:
    """A percentage (our decimal string, at most two decimals) as the JSON number BTCPay's
    `paymentTolerance` is typed as: such a value survives float's shortest repr exactly.
    Percentages only — an amount never goes through here; amounts stay decimal strings."""
    return float(Decimal(percent))


def store_data(
    merchant_id: str, name: str, invoice_minutes: int, late_minutes: int, tolerance: str
) -> dict:
    """A merchant as a Greenfield StoreData: its timer, how long late payments are watched,
    its slippage as the payment tolerance (a percentage)."""
    return {
        "id": merchant_id,
        "name": name,
        "invoiceExpiration": invoice_minutes * 60,
        "monitoringExpiration": late_minutes * 60,
        "archived": False,
        "defaultCurrency": "USD",
        "paymentTolerance": percent_number(tolerance),
    }


def store_payment_method(asset: str, network: str) -> dict:
    return {
        "paymentMethodId": mapping.payment_method_id(asset, network),
        "enabled": True,
    }


def api_key_data(display_prefix: str, label: str, permissions: list[str]) -> dict:
    return {"apiKey": display_prefix, "label": label, "permissions": permissions}


def server_info(version: str, networks: list[str]) -> dict:
    """ServerInfoData: `version` is the BTCPay version whose API this layer speaks (the
    plugin compares it), `syncStatus` one entry per network we watch."""
    return {
        "version": version,
        "supportedPaymentMethods": networks,
        "fullySynched": True,
        "syncStatus": [],
    }


def pull_payment(refund: dict, name: str, description: str) -> dict:
    """One of our refunds (its API payload) as the PullPaymentData BTCPay answers a refund
    with: the payer claims it at `viewLink`."""
    return {
        "id": refund["id"],
        "name": name,
        "description": description,
        "currency": refund["asset"],
        "amount": refund["amount"],
        "autoApproveClaims": False,
        "archived": False,
        "viewLink": refund["claim_url"],
    }


def problem(code: str, message: str) -> dict:
    return {"code": code, "message": message}


def validation_problems(errors: list[tuple[str, str]]) -> list[dict]:
    return [{"path": path, "message": message} for path, message in errors]
