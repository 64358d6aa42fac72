"""What the payer's pages show: each screen's title, message and tone, and the page's pieces
(methods with their amounts, the payment with its QR code and URI, the payments seen, the
refunds to claim) built from an invoice at one moment. The views load and render; the
decisions (which screen, which status) are `states`'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chains import addresses, registry
from chains.uri import payment_uri
from checkout import sandbox, states
from core.errors import GatewayError
from invoices import lifecycle, money, selectors
from invoices.models import Invoice, Kind, Quote, Refund
from invoices.representation import confirmations
from invoices.selectors import tip_heights
from invoices.services import quoting
from pages import labels
from pages.amounts import display_amount
from pages.qr import qr_svg

TITLES = {
    states.CHOOSE: gettext_lazy("Choose a currency"),
    states.PAY: gettext_lazy("Send the payment"),
    states.SEEN: gettext_lazy("Confirming your payment"),
    states.UNDERPAID: gettext_lazy("Pay the remaining amount"),
    states.REVIEW: gettext_lazy("Payment under review"),
    states.COMPLETED: gettext_lazy("Payment complete"),
    states.OVERPAID: gettext_lazy("You paid more than the amount due"),
    states.PAID_LATE: gettext_lazy("Payment arrived late"),
    states.SHORT: gettext_lazy("Payment incomplete"),
    states.SENDERS: gettext_lazy("Payment needs review"),
    states.REVERTED: gettext_lazy("Payment reversed"),
    states.UNRESOLVED: gettext_lazy("Payment needs review"),
    states.EXPIRED: gettext_lazy("Invoice expired"),
    states.EXPIRED_FUNDS: gettext_lazy("Payment arrived after expiry"),
    states.CANCELLED: gettext_lazy("Invoice cancelled"),
    states.FAILED: gettext_lazy("Payment failed"),
    states.DECLINED: gettext_lazy("Payment declined"),
    states.REFUNDED: gettext_lazy("Payment refunded"),
    states.CLOSED: gettext_lazy("Invoice closed"),
    states.AFTER_CLOSE: gettext_lazy("Payment arrived after the invoice closed"),
}
MESSAGES = {
    states.CHOOSE: gettext_lazy("Pick the coin and network you will pay with."),
    states.PAY: gettext_lazy("Waiting for your payment."),
    states.SEEN: gettext_lazy("Payment seen — processing."),
    states.UNDERPAID: gettext_lazy(
        "Part of the payment arrived. Send the rest to complete the order."
    ),
    states.REVIEW: gettext_lazy(
        "Your payment arrived and is being checked. This can take a while; you may close this page."
    ),
    states.COMPLETED: gettext_lazy("Thank you! The merchant has received your payment."),
    states.OVERPAID: gettext_lazy(
        "The merchant received more than the invoice amount and will review the difference."
    ),
    states.PAID_LATE: gettext_lazy(
        "Your payment arrived after the invoice expired. The "
        "merchant will review it and complete your order or "
        "refund you."
    ),
    states.SHORT: gettext_lazy(
        "The invoice expired before the full amount arrived. The "
        "merchant will review it and complete your order or refund "
        "you."
    ),
    states.SENDERS: gettext_lazy(
        "Payments came from more than one sender. The merchant will review them."
    ),
    states.REVERTED: gettext_lazy(
        "A payment was reversed on the network. The merchant will review the invoice."
    ),
    states.UNRESOLVED: gettext_lazy("The merchant will review this payment."),
    states.EXPIRED: gettext_lazy(
        "No payment arrived in time. Do not send anything to this address."
    ),
    states.EXPIRED_FUNDS: gettext_lazy(
        "A payment arrived after the invoice expired. Once it "
        "is confirmed, the merchant will review it."
    ),
    states.CANCELLED: gettext_lazy(
        "The merchant cancelled this invoice. If you already paid, "
        "you will receive a link to claim a refund."
    ),
    states.FAILED: gettext_lazy(
        "The payment could not be processed in time. If funds "
        "arrived, the merchant will contact you."
    ),
    states.DECLINED: gettext_lazy(
        "After review, the merchant could not accept this payment. "
        "If funds arrived, you will receive a link to claim a "
        "refund."
    ),
    states.REFUNDED: gettext_lazy(
        "The merchant is refunding this payment. Use the link you received to say where to send it."
    ),
    states.CLOSED: gettext_lazy(
        "This invoice no longer accepts payments. Do not send anything to this address."
    ),
    states.AFTER_CLOSE: gettext_lazy(
        "Your payment arrived after this invoice was closed, so it does not pay the order. "
        "The merchant has been told and can refund it to you."
    ),
}
TONES = {
    states.CHOOSE: "info",
    states.PAY: "info",
    states.SEEN: "info",
    states.COMPLETED: "success",
    states.EXPIRED: "error",
    states.CANCELLED: "error",
    states.FAILED: "error",
    states.DECLINED: "error",
    states.CLOSED: "error",
}  # every other screen: "warning", the merchant has something to look at
OWN_TEMPLATES = frozenset(
    {states.CHOOSE, states.PAY, states.SEEN, states.UNDERPAID, states.COMPLETED}
)  # the rest share screens/outcome.html
COIN_ICONS = frozenset({"btc", "eth", "usdt", "usdc", "ltc", "bnb", "pol", "trx"})
# Screens with a running timer, and those that show what was received.
TIMED_SCREENS = frozenset({states.CHOOSE, states.PAY, states.UNDERPAID})
PAYING_SCREENS = frozenset({states.PAY, states.UNDERPAID})
# Not once expired: a payer must not be offered "Pay" there (a late payment is simulated
# over the API, POST /sandbox/invoices/{id}/pay).
SANDBOX_SCREENS = frozenset({states.PAY, states.SEEN, states.UNDERPAID})


@dataclass(frozen=True)
class PageState:
    """What both the page and the status endpoint show of an invoice, at one moment: what
    its `Facts` (the invoice's own state) and its payments come to on the payer's side."""

    screen: str
    final: bool
    received: int
    remaining: int
    shortfall: int  # short of the amount due yet accepted as paid (the tolerance)
    confirmations: tuple[int, int] | None
    seconds_left: int | None
    state: str  # changes whenever the page would look different: the poller compares it


def page_state(invoice: Invoice, now: datetime) -> PageState:
    facts, quote = invoice.facts(), invoice.quote
    txs = list(invoice.transactions.all())
    ledger = invoice.ledger(txs, ())  # paid and remaining: refunds change neither
    received, remaining = ledger.paid, ledger.remaining
    screen = states.screen(
        facts.status,
        facts.context,
        archived=facts.archived,
        chosen=bool(quote and quote.address),
        received=received,
        remaining=remaining,
        timer_over=facts.timer_over(now),
        after_close=bool(ledger.after_close),
    )
    heights = tip_heights() if txs else {}
    confs = states.confirmations(
        [
            (confirmations(tx, heights), tx.required_confirmations)
            for tx in txs
            if tx.status == tx.PENDING
        ]
    )
    seconds = (
        max(int((facts.expires_at - now).total_seconds()), 0)
        if facts.expires_at and screen in TIMED_SCREENS
        else None
    )
    final = states.is_final(facts.status, facts.archived)
    state = f"{screen}|{invoice.quote_id}|{received}|{len(txs)}|{confs}|{final}"
    return PageState(screen, final, received, remaining, ledger.shortfall, confs, seconds, state)


def message(screen: str, waiting: tuple[int, int] | None) -> str:
    """The status line; a payment as deep as required but still pending waits on its
    network's finality (TRON's solidified block lagging the head), not on more blocks."""
    if screen == states.SEEN and waiting and waiting[0] >= waiting[1]:
        return _("Payment seen and deep enough — waiting for the network to finalize its block.")
    if screen == states.SEEN and waiting:
        return _("Payment seen — waiting for confirmations (%(seen)s/%(required)s).") % {
            "seen": waiting[0],
            "required": waiting[1],
        }
    return str(MESSAGES[screen])


def icon(code: str) -> str:
    name = code.lower() if code.lower() in COIN_ICONS else "coin"
    return f"checkout/coins/{name}.svg"


def methods(invoice: Invoice, now: datetime) -> list[dict]:
    """Every offered method with its amount due. An open invoice has no rates yet: its
    amounts are estimates, locked when the payer chooses."""
    quotes = {(q.asset, q.network): q for q in invoice.quotes.all()}
    methods = []
    for asset in selectors.offered_methods(merchant=invoice.merchant, livemode=invoice.livemode):
        quote = quotes.get((asset.code, asset.network))
        if quote is None:
            if invoice.kind != Kind.OPEN:
                continue
            try:
                quote = quoting.quote_for(invoice=invoice, asset=asset, now=now)
            except GatewayError:
                continue
        network = registry.network(asset.network)
        methods.append(
            {
                "value": asset.method,
                "code": asset.code,
                "network": labels.network_name(network.code, network.name),
                "test": network.test,
                "icon": icon(asset.code),
                "amount": labels.amount(display_amount(quote.due_amount, asset.decimals)),
                "current": quote.pk is not None and quote.pk == invoice.quote_id,
            }
        )
    return methods


def _payment(invoice: Invoice, quote: Quote, facts: PageState) -> dict:
    """Where and how much to send: the whole amount, or what is left of it.

    `exchange_note`: whether to warn a payer sending from an exchange. The address shown is
    never shared (each invoice has its own: `one_invoice_per_address`, in forwarder mode
    too), so no memo is needed to credit a payment to it; what is shared is the exchange's
    sending address, used for all its customers' withdrawals without a memo. That matters
    on account networks (EVM, TRON: every token payment), where the sending account is the
    payer (`accounting.count_payers`): a second withdrawal, from another address of the
    exchange, reads as a second payer and holds the invoice for review (multiple_senders).
    On UTXO networks senders identify nobody and all payments are one payer's: no note."""
    network = registry.network(quote.network)
    asset = registry.asset(quote.network, quote.asset)
    units = facts.remaining if facts.screen == states.UNDERPAID else quote.due_amount
    amount = display_amount(units, asset.decimals)
    uri = payment_uri(
        network, asset, quote.address, units, invoice.description, token_uri=invoice.token_uri
    )
    return {
        "amount": amount,
        "asset": asset.code,
        "network": labels.network_name(network.code, network.name),
        "test": network.test,
        "address": quote.address,
        # A Monero subaddress (8…): a few exchanges still cannot withdraw to one.
        "subaddress": network.kind == "monero" and (quote.address or "").startswith("8"),
        "uri": uri,
        "icon": icon(asset.code),
        "fee": display_amount(quote.fee_amount, asset.decimals) if quote.fee_amount else None,
        "exchange_note": network.account_based,
        "qr": qr_svg(
            uri or quote.address,
            _("QR code: pay %(amount)s %(asset)s to %(address)s")
            % {"amount": amount, "asset": asset.code, "address": quote.address},
        ),
    }


def _transactions(invoice: Invoice) -> list[dict]:
    """Every payment seen, an extra one (another method or asset) marked as not counted."""
    heights = tip_heights()
    ledger = invoice.ledger(refunds=())  # what counts: refunds change nothing
    rows = []
    for tx in sorted(invoice.transactions.all(), key=lambda tx: (tx.detected_at, tx.pk)):
        network = registry.get_network(tx.network)
        asset = network.asset(tx.asset) if network else None
        rows.append(
            {
                "txid": tx.txid,
                "url": network.tx_url(tx.txid) if network else "",
                "amount": display_amount(tx.amount, asset.decimals if asset else 0),
                "asset": tx.asset,
                "status": tx.status,
                "confirmations": min(confirmations(tx, heights), tx.required_confirmations),
                "required": tx.required_confirmations,
                "counted": ledger.is_counted(tx.as_payment(invoice.quote)),
                "network": network.name if network else tx.network,
            }
        )
    return rows


def _refund_offers(invoice: Invoice) -> list[dict]:
    """Refunds the payer still has to claim, shown on a completed invoice whose excess the
    merchant refunds (the order stays paid)."""
    offers = []
    for refund in invoice.refunds.all():
        if refund.status != Refund.AWAITING_CLAIM:
            continue
        network = registry.get_network(refund.network)
        asset = network.asset(refund.asset) if network else None
        offers.append(
            {
                "amount": display_amount(refund.amount, asset.decimals if asset else 0),
                "asset": refund.asset,
                # the code behind the fragment: never sent, never logged
                "url": f"{reverse('checkout:refund')}#{refund.claim_token}",
            }
        )
    return offers


def _received(invoice: Invoice, facts: PageState) -> dict | None:
    quote = invoice.quote
    if quote is None:
        return None
    decimals = registry.asset(quote.network, quote.asset).decimals
    return {
        "received": display_amount(facts.received, decimals),
        "remaining": display_amount(facts.remaining, decimals),
        "shortfall": display_amount(facts.shortfall, decimals) if facts.shortfall else "",
        "due": display_amount(quote.due_amount, decimals),
        "asset": quote.asset,
    }


def page(
    invoice: Invoice, now: datetime, *, change: bool, error: str, return_allowed: bool
) -> dict:
    """The checkout page's context. The payer may go back to the currency choice (`change`,
    or after an `error`) while the invoice still allows switching."""
    facts = page_state(invoice, now)
    screen = facts.screen
    can_change = (
        lifecycle.can_switch_currency(
            invoice.status,
            invoice.kind,
            bool(invoice.transactions.all()),
            invoice.archived,
            invoice.expires_at,
            now,
        )
        is None
    )
    if screen == states.PAY and can_change and (change or error):
        screen = states.CHOOSE
    price_decimals = money.price_decimals(invoice.price_currency) or 0
    network = registry.get_network(invoice.quote.network) if invoice.quote else None
    return {
        "invoice": invoice,
        "merchant": invoice.merchant,
        "screen": screen,
        "facts": facts,
        "screen_template": "checkout/screens/%s.html"
        % (screen if screen in OWN_TEMPLATES else "outcome"),
        "tone": TONES.get(screen, "warning"),
        "title": TITLES[screen],
        "countdown": states.clock(facts.seconds_left) if facts.seconds_left is not None else None,
        "network_name": labels.network_name(network.code, network.name) if network else "",
        "message": message(screen, facts.confirmations),
        "price": labels.amount(display_amount(invoice.price_amount, price_decimals)),
        "methods": methods(invoice, now) if screen == states.CHOOSE else [],
        "payment": _payment(invoice, invoice.quote, facts)
        if screen in PAYING_SCREENS and invoice.quote
        else None,
        "received": _received(invoice, facts),
        "rate": labels.amount(invoice.quote.rate) if invoice.quote else "",
        "transactions": _transactions(invoice) if invoice.transactions.all() else [],
        "refund_offers": _refund_offers(invoice) if screen == states.COMPLETED else [],
        "can_change": can_change and screen == states.PAY,
        "changing": screen == states.CHOOSE and invoice.quote_id is not None,
        "return_allowed": return_allowed,
        "back_href": (
            reverse("checkout:return", args=[invoice.pk])
            if return_allowed and not facts.final
            else ""
        ),
        "sandbox": sandbox.available(invoice) and facts.screen in SANDBOX_SCREENS,
        "error": error,
    }


def status(invoice: Invoice, facts: PageState, *, return_allowed: bool) -> dict:
    """What the page's poller needs, small enough to ask for every few seconds."""
    return {
        "status": invoice.status,
        "status_context": invoice.status_context,
        "screen": facts.screen,
        "final": facts.final,
        "state": facts.state,
        "message": message(facts.screen, facts.confirmations),
        "confirmations": list(facts.confirmations) if facts.confirmations else None,
        "seconds_left": facts.seconds_left,
        "return_url": (
            reverse("checkout:return", args=[invoice.pk])
            if facts.final and return_allowed
            else None
        ),
    }


def refund(found: Refund, form, token: str) -> dict:
    """The refund claim page's context: the refund, its amount and, once paid, its payout."""
    network = registry.get_network(found.network)
    asset = network.asset(found.asset) if network else None
    return {
        "refund": found,
        "invoice": found.invoice,
        "merchant": found.invoice.merchant,
        "form": form,
        "token": token,
        "network": labels.network_name(network.code, network.name) if network else found.network,
        "amount": display_amount(found.amount, asset.decimals if asset else 0),
        "payout_url": network.tx_url(found.payout_txid) if network and found.payout_txid else "",
        "example": addresses.example_address(network) if network else "",
        "icon": icon(found.asset),
    }
