"""The invoice as integrators see it: one rendering for API responses and callback events."""

from __future__ import annotations

from django.conf import settings

from chains import registry
from chains.models import ChainCursor
from chains.uri import payment_uri
from invoices import money
from invoices.models import Invoice, Refund, Transaction


def iso_time(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def scanned_heights() -> dict[str, int]:
    """Each network's scanned height: confirmations are counted against it."""
    return {network: height for network, height in
            ChainCursor.objects.filter(height__isnull=False).values_list("network", "height")}


def confirmations(tx: Transaction, heights: dict[str, int]) -> int:
    tip = heights.get(tx.network)
    if tx.block_height is None or tip is None or tx.status == Transaction.REVERTED:
        return 0
    return max(tip - tx.block_height + 1, 0)


def _asset(network_code: str, asset_code: str) -> registry.Asset:
    network = registry.get_network(network_code)
    asset = network.asset(asset_code) if network else None
    return asset or registry.Asset(asset_code, network_code, 0)


def payment_url(invoice: Invoice) -> str:
    return f"{settings.PUBLIC_URL}/pay/{invoice.id}"


def transaction_payload(tx: Transaction, decimals: int, heights: dict[str, int]) -> dict:
    network = registry.get_network(tx.network)
    return {
        "txid": tx.txid, "index": tx.output_index,
        "amount": money.format_units(tx.amount, decimals),
        "from_addresses": tx.from_addresses,
        "confirmations": confirmations(tx, heights),
        "required_confirmations": tx.required_confirmations,
        "status": tx.status, "flagged": tx.flagged,
        "block_height": tx.block_height,
        "explorer_url": network.tx_url(tx.txid) if network else "",
        "detected_at": iso_time(tx.detected_at), "confirmed_at": iso_time(tx.confirmed_at),
        "reverted_at": iso_time(tx.reverted_at),
    }


def paid_units(transactions) -> int:
    """Received so far: every transaction still on its way or in the chain."""
    return sum(tx.amount for tx in transactions if tx.status != Transaction.REVERTED)


def invoice_payload(invoice: Invoice, heights: dict[str, int] | None = None,
                    new: bool = False) -> dict:
    """`heights` lets a list share one cursor query; quote, transactions and refunds should
    be prefetched by the caller when rendering many. A `new` invoice has neither
    transactions nor refunds, which saves their queries on the create path."""
    heights = scanned_heights() if heights is None else heights
    price_decimals = money.price_decimals(invoice.price_currency) or 0
    quote = invoice.quote
    asset = _asset(quote.network, quote.asset) if quote else None
    transactions = [] if new else sorted(invoice.transactions.all(),
                                         key=lambda tx: (tx.detected_at, tx.pk))
    refunds = [] if new else invoice.refunds.all()
    paid = paid_units(transactions)
    data = {
        "id": str(invoice.id), "foreign_id": invoice.foreign_id, "kind": invoice.kind,
        "status": invoice.status, "status_context": invoice.status_context,
        "archived": invoice.archived,
        "price_amount": money.format_units(invoice.price_amount, price_decimals),
        "price_currency": invoice.price_currency,
        "pay_currency": quote.asset if quote else None,
        "network": quote.network if quote else None,
        "address": quote.address if quote else None,
        "pay_amount": money.format_units(quote.due_amount, asset.decimals) if quote else None,
        "fee_amount": money.format_units(quote.fee_amount, asset.decimals) if quote else None,
        "paid_amount": money.format_units(paid, asset.decimals) if asset else "0",
        "remaining_amount": (money.format_units(max(quote.due_amount - paid, 0), asset.decimals)
                             if quote else None),
        "rate": quote.rate if quote else None,
        "payment_uri": None, "payment_url": payment_url(invoice),
        "description": invoice.description, "customer_email": invoice.customer_email,
        "callback_url": invoice.callback_url or None, "return_url": invoice.return_url or None,
        "insurance_percent": str(invoice.insurance_percent),
        "slippage_percent": str(invoice.slippage_percent),
        "include_fee": invoice.include_fee,
        "created_at": iso_time(invoice.created_at), "expires_at": iso_time(invoice.expires_at),
        "transactions": [transaction_payload(tx, asset.decimals, heights) for tx in transactions],
        "refunds": [refund_payload(refund) for refund in refunds],
        "metadata": invoice.metadata,
    }
    if quote and quote.address:
        network = registry.get_network(quote.network)
        if network:
            data["payment_uri"] = payment_uri(network, asset, quote.address,
                                              max(quote.due_amount - paid, 0) or quote.due_amount)
    return data


def refund_payload(refund: Refund) -> dict:
    asset = _asset(refund.network, refund.asset)
    return {
        "id": str(refund.id), "invoice_id": str(refund.invoice_id), "status": refund.status,
        "amount": money.format_units(refund.amount, asset.decimals),
        "currency": refund.asset, "network": refund.network,
        # The code after "#": browsers never send it, so no access log records it.
        "claim_url": f"{settings.PUBLIC_URL}/refund/#{refund.claim_token}",
        "address": refund.address or None, "payout_txid": refund.payout_txid or None,
        "created_at": iso_time(refund.created_at), "claimed_at": iso_time(refund.claimed_at),
        "paid_at": iso_time(refund.paid_at),
    }
