"""The invoice as integrators see it: one rendering for API responses and callback events."""

from __future__ import annotations

from django.conf import settings

from chains import registry
from chains.uri import payment_uri
from invoices import lifecycle, money
from invoices.accounting import Ledger
from invoices.models import Invoice, Refund, Transaction
from invoices.selectors import scanned_heights


def iso_time(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def confirmations(tx: Transaction, heights: dict[str, int]) -> int:
    if tx.status == Transaction.REVERTED:
        return 0
    return lifecycle.confirmations(tx.block_height, heights.get(tx.network))


def _asset(network_code: str, asset_code: str) -> registry.Asset:
    network = registry.get_network(network_code)
    asset = network.asset(asset_code) if network else None
    return asset or registry.Asset(asset_code, network_code, 0)


def payment_url(invoice: Invoice) -> str:
    return f"{settings.PUBLIC_URL}/pay/{invoice.id}"


def transaction_payload(
    tx: Transaction, ledger: Ledger, heights: dict[str, int], chosen=None
) -> dict:
    network = registry.get_network(tx.network)
    payment = tx.as_payment(chosen)
    return {
        "txid": tx.txid,
        "index": tx.output_index,
        "asset": tx.asset,
        "network": tx.network,
        "amount": money.format_units(tx.amount, _asset(tx.network, tx.asset).decimals),
        "counted": ledger.is_counted(payment),
        "from_addresses": tx.from_addresses,
        "confirmations": confirmations(tx, heights),
        "required_confirmations": tx.required_confirmations,
        "status": tx.status,
        "flagged": tx.flagged,
        "block_height": tx.block_height,
        "explorer_url": network.tx_url(tx.txid) if network else "",
        "paid_at": iso_time(tx.paid_at),
        "detected_at": iso_time(tx.detected_at),
        "confirmed_at": iso_time(tx.confirmed_at),
        "reverted_at": iso_time(tx.reverted_at),
    }


def invoice_payload(
    invoice: Invoice, heights: dict[str, int] | None = None, new: bool = False
) -> dict:
    """`heights` lets a list share one cursor query; quote, transactions and refunds should
    be prefetched by the caller when rendering many. A `new` invoice has neither
    transactions nor refunds, which saves their queries on the create path."""
    heights = scanned_heights() if heights is None else heights
    price_decimals = money.price_decimals(invoice.price_currency) or 0
    quote = invoice.quote
    asset = _asset(quote.network, quote.asset) if quote else None
    transactions = (
        [] if new else sorted(invoice.transactions.all(), key=lambda tx: (tx.detected_at, tx.pk))
    )
    refunds = [] if new else list(invoice.refunds.all())
    ledger = None if new else invoice.ledger(transactions, refunds)
    paid, remaining = (ledger.paid, ledger.remaining) if ledger else (0, None)
    if remaining is None and quote:
        remaining = quote.due_amount

    def units(amount):
        return money.format_units(amount, asset.decimals) if asset else None

    data = {
        "id": str(invoice.id),
        "foreign_id": invoice.foreign_id,
        "kind": invoice.kind,
        "status": invoice.status,
        "status_context": invoice.status_context,
        "archived": invoice.archived,
        "livemode": invoice.livemode,
        "price_amount": money.format_units(invoice.price_amount, price_decimals),
        "price_currency": invoice.price_currency,
        "pay_currency": quote.asset if quote else None,
        "network": quote.network if quote else None,
        "address": quote.address if quote else None,
        "pay_amount": units(quote.due_amount) if quote else None,
        "fee_amount": units(quote.fee_amount) if quote else None,
        "paid_amount": units(paid) if asset else "0",
        "remaining_amount": units(remaining) if quote else None,
        "excess_amount": units(ledger.excess if ledger else 0) if quote else None,
        "rate": quote.rate if quote else None,
        "payment_uri": None,
        "payment_url": payment_url(invoice),
        "description": invoice.description,
        "customer_email": invoice.customer_email,
        "callback_url": invoice.callback_url or None,
        "return_url": invoice.return_url or None,
        "insurance_percent": str(invoice.insurance_percent),
        "slippage_percent": str(invoice.slippage_percent),
        "include_fee": invoice.include_fee,
        "created_at": iso_time(invoice.created_at),
        "expires_at": iso_time(invoice.expires_at),
        "transactions": [transaction_payload(tx, ledger, heights, quote) for tx in transactions],
        "refunds": [refund_payload(refund) for refund in refunds],
        "metadata": invoice.metadata,
    }
    if quote and quote.address:
        network = registry.get_network(quote.network)
        if network:
            data["payment_uri"] = (
                payment_uri(network, asset, quote.address, remaining or quote.due_amount) or None
            )  # TRON: none
    return data


def refund_payload(refund: Refund) -> dict:
    asset = _asset(refund.network, refund.asset)
    return {
        "id": str(refund.id),
        "invoice_id": str(refund.invoice_id),
        "status": refund.status,
        "amount": money.format_units(refund.amount, asset.decimals),
        "currency": refund.asset,
        "network": refund.network,
        # The code after "#": browsers never send it, so no access log records it.
        "claim_url": f"{settings.PUBLIC_URL}/refund/#{refund.claim_token}",
        "address": refund.address or None,
        "payout_txid": refund.payout_txid or None,
        "created_at": iso_time(refund.created_at),
        "claimed_at": iso_time(refund.claimed_at),
        "paid_at": iso_time(refund.paid_at),
    }
