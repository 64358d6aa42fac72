"""Use cases. Each runs in one database transaction with the invoice row locked, writes
what `lifecycle` decides, and records the events it causes in the outbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chains import hd, registry, screening
from chains.backends import NoBackend, get_backend
from chains.registry import Asset
from chains.scanner import ScanReport
from invoices import accounting, lifecycle, money, pricing, rates
from invoices.models import Event, Invoice, Kind, Quote, Refund, Status, Transaction
from invoices.representation import invoice_payload, scanned_heights
from merchants.models import Merchant, Wallet

logger = logging.getLogger(__name__)
FEE_CACHE_SECONDS = 60


PAY_CURRENCY_REQUIRED = gettext_lazy("a fixed invoice needs pay_currency")


class ServiceError(Exception):
    """A refusal an integrator can act on; the API renders it in its one error shape.
    Messages are written in the active language: English for the API, the reader's in
    the dashboard, which creates invoices through these same services."""

    status = 422
    type = "invalid_request"

    def __init__(self, code: str, message: str, param: str | None = None):
        super().__init__(message)
        self.code, self.message, self.param = code, message, param


class Conflict(ServiceError):
    status = 409


class NotFound(ServiceError):
    status = 404


# --- events --------------------------------------------------------------------------------

def record_event(invoice: Invoice, event_type: str, actor: str, now: datetime,
                 data: dict | None = None) -> Event:
    """Write an outbox row in the caller's transaction (the invoice row must be locked) and,
    once that commits, queue its delivery; if the enqueue is lost, the minute-ly sweep
    finds the row (robust: a failing queue cannot fail a change that has committed)."""
    from django_q.tasks import async_task

    last = invoice.events.aggregate(last=Max("sequence"))["last"] or 0
    event = Event.objects.create(
        merchant_id=invoice.merchant_id, invoice=invoice, type=event_type, sequence=last + 1,
        actor=actor, created_at=now, data=data if data is not None else invoice_payload(invoice),
        next_attempt_at=now)
    invoice_id = invoice.pk
    transaction.on_commit(lambda: async_task("invoices.tasks.deliver_callbacks", invoice_id),
                          robust=True)
    if event_type == "refund_updated":  # the payer may need their refund-claim e-mail
        transaction.on_commit(lambda: async_task("invoices.tasks.send_payer_emails",
                                                 invoice_id), robust=True)
    return event


def _locked(invoice_id) -> Invoice:
    return (Invoice.objects.select_for_update(of=("self",)).select_related("quote", "merchant")
            .get(pk=invoice_id))


# --- payment methods and quotes -----------------------------------------------------------

def _methods(merchant: Merchant, families: set[str] | None, livemode: bool) -> list[Asset]:
    """Enabled networks' assets the merchant has not switched off, the sandbox only for test
    invoices and never for live ones (play money settles nothing); with `families`, only
    those of networks it has a wallet for."""
    chosen = set(merchant.enabled_methods)
    return [asset for asset in registry.enabled_methods()
            if (families is None or registry.get_network(asset.network).family in families)
            and (registry.get_network(asset.network).kind == "sandbox") != livemode
            and (not chosen or asset.method in chosen)]


def _wallet_families(merchant: Merchant) -> set[str]:
    """The families the merchant has a wallet of. Plain SQL: on the invoice-creation path the
    ORM's compiling of this one-column read cost ten times the read (0.13 ms vs 0.013 ms)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT family FROM {Wallet._meta.db_table} WHERE merchant_id = %s",
            [Wallet._meta.get_field("merchant").get_db_prep_value(merchant.pk, connection)])
        return {family for (family,) in cursor.fetchall()}


def offered_methods(merchant: Merchant, livemode: bool = True) -> list[Asset]:
    """The payment methods of the merchant's live (or test) invoices: enabled networks'
    assets it has a wallet for and has not switched off."""
    return _methods(merchant, _wallet_families(merchant), livemode)


def _not_offered(asset_code: str, network_code: str | None) -> ServiceError:
    return ServiceError("currency_not_offered", (
        _("%(asset)s on %(network)s is not a payment method this merchant offers")
        if network_code else _("%(asset)s is not a payment method this merchant offers"))
        % {"asset": asset_code, "network": network_code}, "pay_currency")


def _match(methods: list[Asset], asset_code: str, network_code: str | None) -> list[Asset]:
    return [a for a in methods if a.code == asset_code
            and (network_code is None or a.network == network_code)]


def find_method(merchant: Merchant, asset_code: str, network_code: str | None,
                livemode: bool = True) -> Asset:
    asset_code = asset_code.upper()
    matches = _match(offered_methods(merchant, livemode), asset_code, network_code)
    if not matches:
        raise _not_offered(asset_code, network_code)
    if len(matches) > 1:
        networks = ", ".join(a.network for a in matches)
        raise ServiceError("network_required",
                           _("%(asset)s is offered on several networks (%(networks)s): give "
                             "`network`") % {"asset": asset_code, "networks": networks},
                           "network")
    return matches[0]


def _fixed_method(merchant: Merchant, asset_code: str, network_code: str | None,
                  livemode: bool) -> Asset:
    """find_method without reading the wallets when the method is unambiguous anyway: the
    address allocation (`_next_index`) then finds out whether the wallet exists."""
    matches = _match(_methods(merchant, None, livemode), asset_code.upper(), network_code)
    return matches[0] if len(matches) == 1 else find_method(merchant, asset_code, network_code,
                                                            livemode)


def network_fee(asset: Asset) -> int:
    """The node's estimate of what sending `asset` costs, in native units (a token transfer
    costs more than a coin transfer), cached briefly: quotes are made in bursts."""
    key = f"fee:{asset.network}:{asset.code}"
    fee = cache.get(key)
    if fee is None:
        try:
            fee = get_backend(registry.get_network(asset.network)).fee_estimate_for(asset)
        except NoBackend as exc:
            raise ServiceError("network_unavailable", str(exc), "network") from exc
        cache.set(key, fee, FEE_CACHE_SECONDS)
    return fee


def quotes_for(invoice: Invoice, assets: list[Asset], now: datetime) -> list[Quote | ServiceError]:
    """Each asset's quote for the invoice, or the ServiceError saying why it has none; every
    rate they need is read at once."""
    pairs = [(asset.code, invoice.price_currency) for asset in assets]
    if invoice.include_fee:
        pairs += [(asset.code, registry.get_network(asset.network).native) for asset in assets
                  if not asset.is_native]
    table = rates.get_rates(pairs, now=now)
    return [_quote(invoice, asset, table, now) for asset in assets]


def _quote(invoice: Invoice, asset: Asset, table: dict, now: datetime) -> Quote | ServiceError:
    def rate(quote_currency):
        answer = table[(asset.code.upper(), quote_currency.upper())]
        if isinstance(answer, rates.RateError):
            raise ServiceError("rate_unavailable", str(answer), "pay_currency")
        return answer

    try:
        price_rate = rate(invoice.price_currency)
        fee = 0
        if invoice.include_fee:
            network = registry.get_network(asset.network)
            fee = network_fee(asset)
            if not asset.is_native:
                fee = pricing.convert_up(fee, network.native_decimals,
                                         rate(network.native).value, asset.decimals)
    except ServiceError as exc:
        return exc
    due = pricing.due_amount(invoice.price_amount, money.price_decimals(invoice.price_currency),
                             price_rate.value, asset.decimals, invoice.insurance_percent, fee)
    due = pricing.round_up_to_step(due, 10 ** (asset.decimals - asset.payer_decimals))
    return Quote(invoice=invoice, asset=asset.code, network=asset.network,
                 rate=format(price_rate.value, "f"), rate_source=price_rate.source,
                 rate_fetched_at=price_rate.fetched_at, fee_amount=fee, due_amount=due,
                 created_at=now)


def quote_for(invoice: Invoice, asset: Asset, now: datetime) -> Quote:
    quote = quotes_for(invoice, [asset], now)[0]
    if isinstance(quote, ServiceError):
        raise quote
    return quote


def _next_index(merchant: Merchant, family: str) -> tuple[int, str] | None:
    """Take the wallet's next derivation index in one atomic UPDATE … RETURNING, so two
    concurrent requests can never receive the same index (PostgreSQL and SQLite >= 3.35)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Wallet._meta.db_table} SET next_index = next_index + 1 "
            "WHERE merchant_id = %s AND family = %s RETURNING next_index - 1, xpub",
            [Wallet._meta.get_field("merchant").get_db_prep_value(merchant.pk, connection),
             family])
        return cursor.fetchone()


def _derive(quote: Quote, merchant: Merchant) -> None:
    """Give the (unsaved) quote the next unused address of the merchant's wallet."""
    family = registry.get_network(quote.network).family
    taken = _next_index(merchant, family)
    if taken is None:
        raise ServiceError("no_wallet", f"no {family} wallet is configured", "pay_currency")
    index, xpub = taken
    quote.address = hd.derive_address(family, xpub, index)
    quote.derivation_index = index


def _assign_address(quote: Quote, merchant: Merchant) -> None:
    """Give the quote the next unused address of the merchant's wallet. Saves the quote."""
    _derive(quote, merchant)
    quote.save()


# --- creating invoices --------------------------------------------------------------------

@dataclass
class InvoiceRequest:
    price_amount: int
    price_currency: str
    kind: str = Kind.TIMED
    pay_currency: str | None = None
    network: str | None = None
    foreign_id: str | None = None
    description: str = ""
    customer_email: str = ""
    callback_url: str = ""
    return_url: str = ""
    insurance_percent: Decimal | None = None
    slippage_percent: Decimal | None = None
    include_fee: bool = False
    metadata: dict = field(default_factory=dict)
    # "ASSET:network" methods a timed invoice offers (a payment link's choice); empty: all.
    methods: list[str] = field(default_factory=list)
    livemode: bool = True  # from the API key's mode


def check_return_url(merchant: Merchant, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServiceError("invalid_return_url", _("return_url must be an http(s) URL"),
                           "return_url")
    allowed = {host.lower().strip() for host in merchant.allowed_return_hosts}
    if parts.hostname.lower() not in allowed:
        raise ServiceError("return_url_not_allowed",
                           _("%(host)s is not one of the merchant's allowed return hosts")
                           % {"host": parts.hostname}, "return_url")


def create_invoice(merchant: Merchant, request: InvoiceRequest, actor: str) -> dict:
    """Create an invoice; returns its payload. (Retries are made safe by the API's
    Idempotency-Key, invoices.api.idempotency.)

    Everything that only reads (methods, rates, which may be fetched once) happens before
    the transaction, so the write lock is held for the inserts alone."""
    if request.return_url:
        check_return_url(merchant, request.return_url)
    fixed_method = None
    if request.kind == Kind.FIXED:
        if not request.pay_currency:
            raise ServiceError("pay_currency_required", str(PAY_CURRENCY_REQUIRED),
                               "pay_currency")
        fixed_method = _fixed_method(merchant, request.pay_currency, request.network,
                                     request.livemode)
    now = timezone.now()
    invoice, quotes = _prepare(merchant, request, fixed_method, now)
    try:
        with transaction.atomic():
            payload = _create(merchant, invoice, quotes, fixed_method)
    except IntegrityError:  # the foreign_id is taken
        raise Conflict("foreign_id_taken",
                       _("an invoice with foreign_id %(id)s exists") % {
                           "id": repr(request.foreign_id)}, "foreign_id") from None
    return payload


def _prepare(merchant: Merchant, request: InvoiceRequest, fixed_method: Asset | None,
             now: datetime) -> tuple[Invoice, list[Quote]]:
    """The unsaved invoice and the quotes it offers (a fixed invoice: its one quote). A timed
    invoice leaves out, and logs, the methods without a rate; it fails only if none has."""
    invoice = Invoice(
        merchant=merchant, livemode=request.livemode, kind=request.kind,
        price_amount=request.price_amount,
        price_currency=request.price_currency, foreign_id=request.foreign_id or None,
        description=request.description, customer_email=request.customer_email,
        callback_url=request.callback_url, return_url=request.return_url,
        metadata=request.metadata, include_fee=request.include_fee,
        insurance_percent=(merchant.insurance_percent if request.insurance_percent is None
                           else request.insurance_percent),
        slippage_percent=(merchant.slippage_percent if request.slippage_percent is None
                          else request.slippage_percent),
        payment_window_minutes=merchant.payment_window_minutes,
        late_window_minutes=merchant.late_window_minutes,
        processing_timeout_minutes=merchant.processing_timeout_minutes,
        created_at=now, status_changed_at=now,
        expires_at=(None if request.kind == Kind.OPEN
                    else now + timedelta(minutes=merchant.invoice_ttl_minutes)),
    )
    if fixed_method:
        return invoice, [quote_for(invoice, fixed_method, now)]
    methods = offered_methods(merchant, request.livemode)
    if request.kind == Kind.TIMED and request.methods:  # a payment link's choice
        methods = [asset for asset in methods if asset.method in request.methods]
    if not methods:
        raise ServiceError("no_payment_methods", _("the merchant has no payment method set up"))
    if request.kind != Kind.TIMED:
        return invoice, []
    quotes, refused = [], []
    for asset, quote in zip(methods, quotes_for(invoice, methods, now), strict=True):
        if isinstance(quote, ServiceError):
            refused.append(quote)
            logger.warning("timed invoice for merchant %s leaves out %s on %s: %s",
                           merchant.pk, asset.code, asset.network, quote.message)
        else:
            quotes.append(quote)
    if not quotes:
        raise refused[0]
    return invoice, quotes


def _create(merchant: Merchant, invoice: Invoice, quotes: list[Quote],
            fixed_method: Asset | None) -> dict:
    """Write the prepared invoice and its quotes: a fixed invoice's quote goes first with its
    address, so the invoice row is inserted already pointing at it (foreign keys are checked
    at commit), one INSERT each."""
    if fixed_method:
        quote = quotes[0]
        try:
            _derive(quote, merchant)
        except ServiceError:  # no wallet of the family: the method is not offered after all
            raise _not_offered(fixed_method.code, fixed_method.network) from None
        quote.save(force_insert=True)
        invoice.quote, invoice.selected_at = quote, invoice.created_at
        invoice.save(force_insert=True)
    else:
        invoice.save(force_insert=True)
        Quote.objects.bulk_create(quotes)
    return invoice_payload(invoice, heights={}, new=True)


# --- the payer's choice -------------------------------------------------------------------

SWITCH_REFUSALS = {
    "invoice_not_new": "this invoice no longer accepts a currency choice",
    "invoice_archived": "this invoice no longer accepts payment",
    "invoice_expired": "this invoice has expired",
    "payment_seen": "a payment was already seen for this invoice",
    "currency_fixed": "the currency of a fixed invoice cannot change",
}


def select_currency(invoice_id, asset_code: str, network_code: str | None,
                    actor: str = "payer", now: datetime | None = None) -> Invoice:
    """Lock the rate (an open invoice starts its payment window) and derive the address.
    The payer may switch until a payment is seen."""
    now = now or timezone.now()
    with transaction.atomic():
        invoice = _locked(invoice_id)
        refusal = lifecycle.can_switch_currency(
            invoice.status, invoice.kind, invoice.transactions.exists(), invoice.archived,
            invoice.expires_at, now)
        if refusal == "invoice_not_new":
            lifecycle.check_action("select_currency", invoice.status)
        if refusal:
            raise Conflict(refusal, SWITCH_REFUSALS[refusal])
        asset = find_method(invoice.merchant, asset_code, network_code, invoice.livemode)
        quote = invoice.quotes.filter(asset=asset.code, network=asset.network).first()
        if quote is None:
            if invoice.kind == Kind.TIMED:
                raise ServiceError("currency_not_offered",
                                   f"{asset.code} on {asset.network} has no rate for this "
                                   "invoice", "pay_currency")
            quote = quote_for(invoice, asset, now)
        if not quote.address:
            _assign_address(quote, invoice.merchant)
        invoice.quote, invoice.selected_at = quote, now
        if invoice.kind == Kind.OPEN and invoice.expires_at is None:
            invoice.expires_at = now + timedelta(minutes=invoice.payment_window_minutes)
        invoice.save(update_fields=["quote", "selected_at", "expires_at"])
        return invoice


# --- deciding and recording -----------------------------------------------------------------

def _emit(invoice: Invoice, event_types: list[str], actor: str, now: datetime,
          heights: dict[str, int] | None) -> None:
    """Record events rendered once, after the change they report (`heights`: the tip the
    change was decided at, which the scan cursor does not show yet)."""
    if not event_types:
        return
    data = invoice_payload(invoice, heights={**scanned_heights(), **(heights or {})})
    for event_type in event_types:
        record_event(invoice, event_type, actor, now, data)


def _set_status(invoice: Invoice, status: str, context: str | None, now: datetime) -> None:
    invoice.status, invoice.status_context, invoice.status_changed_at = status, context, now
    invoice.save(update_fields=["status", "status_context", "status_changed_at",
                                "review_decision", "archived"])


def reevaluate(invoice: Invoice, now: datetime, actor: str = "system",
               events: list[str] | None = None, heights: dict[str, int] | None = None) -> None:
    """Apply what the lifecycle decides now (the invoice row must be locked), recording the
    transaction `events` that led here and the status change with the invoice as it is
    after them; then the merchant's automatic rule when the invoice became unresolved."""
    events = list(events or [])
    decision = lifecycle.evaluate(invoice.facts(), invoice.ledger(), now)
    changed = (decision.status, decision.context) != (invoice.status, invoice.status_context)
    if changed:
        _set_status(invoice, decision.status, decision.context, now)
        events.append("status_changed")
    _emit(invoice, events, actor, now, heights)
    if changed and (action := lifecycle.automatic_action(decision,
                                                         invoice.merchant.unresolved_rules)):
        _act(invoice, action, "rule", now, heights)


def _act(invoice: Invoice, action: str, actor: str, now: datetime,
         heights: dict[str, int] | None = None) -> list[Refund]:
    """Carry out a merchant action that `lifecycle.target` decides: the new status and the
    refunds it offers, one per asset, with their events."""
    target = lifecycle.target(action, invoice.facts(), invoice.ledger(), invoice.refunded())
    _set_status(invoice, target.status, target.context, now)
    refunds = [Refund.objects.create(invoice=invoice, asset=asset, network=network,
                                     amount=amount, created_at=now)
               for (asset, network), amount in sorted(target.refunds.items())]
    _emit(invoice, ["status_changed"] + ["refund_updated"] * len(refunds), actor, now, heights)
    return refunds


# --- what the chain says ------------------------------------------------------------------

WATCH_LOOKUP_BATCH = 5000  # addresses per query: SQLite binds at most 32766 parameters


def watched_addresses(network: str, addresses: set[str]) -> set[str]:
    """Which of these addresses belong to an invoice still listening for payments: one
    indexed lookup per few thousand addresses (a block's, or a whole mempool's), whatever
    the number of invoices."""
    now = timezone.now()
    addresses = sorted(addresses)
    watched = set()
    for start in range(0, len(addresses), WATCH_LOOKUP_BATCH):
        rows = (Quote.objects
                .filter(network=network, address__in=addresses[start:start + WATCH_LOOKUP_BATCH])
                .values_list("address", "invoice__status", "invoice__archived",
                             "invoice__expires_at", "invoice__status_changed_at",
                             "invoice__late_window_minutes"))
        watched |= {address for address, status, archived, expires_at, changed_at, late in rows
                    if lifecycle.is_watched(status, archived, expires_at, changed_at,
                                            timedelta(minutes=late), now)}
    return watched


def _required_confirmations(invoice: Invoice, network: registry.Network, quote: Quote,
                            amount: int) -> int:
    """Amount tiers weigh what is at stake: the whole amount due, or the payment when it is
    larger, so that paying in slices cannot lower the bar. The merchant's override replaces
    the tiers; the network's safe minimum still holds."""
    override = invoice.merchant.confirmations.get(network.code)
    return network.required_confirmations(max(amount, quote.due_amount),
                                          int(override) if override else None)


def apply_transfers(report: ScanReport, now: datetime | None = None) -> None:
    """Turn what a scan observed into transactions and invoice statuses. Idempotent: the
    same report applied twice (or by two racing scanners) changes nothing the second time.
    Each invoice is handled under its row lock, in a fixed order so racing scanners cannot
    deadlock."""
    now = now or timezone.now()
    network = registry.get_network(report.network)
    quotes = {q.address: q for q in Quote.objects.filter(
        network=network.code, address__in={t.to_address for t in report.transfers})}
    by_invoice: dict = {}
    for transfer in report.transfers:
        if quote := quotes.get(transfer.to_address):
            by_invoice.setdefault(quote.invoice_id, []).append((quote, transfer))
    open_txs = Transaction.objects.filter(network=network.code).exclude(
        status=Transaction.REVERTED)
    affected = set(by_invoice) | set(open_txs.filter(
        status=Transaction.PENDING,
        block_height__lte=report.tip_height + 1 - F("required_confirmations"),
    ).values_list("invoice_id", flat=True))
    if report.rollback_above is not None:
        affected |= set(open_txs.filter(block_height__gt=report.rollback_above)
                        .values_list("invoice_id", flat=True))
    # Unmined transactions that left the mempool, or outlived their reorg grace: only these
    # can change without being observed, so a busy mempool costs no invoice a lock per scan.
    # Compared here rather than in SQL: a mempool holds far more txids than a query binds.
    seen = (report.mempool_txids | {t.txid for t in report.transfers}
            if report.mempool_txids is not None else None)
    for invoice_id, txid, unmined_at in open_txs.filter(block_height__isnull=True).values_list(
            "invoice_id", "txid", "unmined_at_height"):
        if (seen is not None and txid not in seen) or (
                unmined_at is not None
                and report.tip_height - unmined_at >= network.reorg_depth):
            affected.add(invoice_id)
    for invoice_id in sorted(affected, key=str):
        with transaction.atomic():
            invoice = _locked(invoice_id)
            _apply_to_invoice(invoice, network, by_invoice.get(invoice_id, []), report, now)


def _view(tx_key, observed: dict, report: ScanReport, network: registry.Network
          ) -> lifecycle.ChainView:
    transfer = observed.get(tx_key)
    in_block = transfer is not None and transfer.block_hash is not None
    mempool = report.mempool_txids
    return lifecycle.ChainView(
        tip=report.tip_height,
        seen_block=(transfer.block_height, transfer.block_hash) if in_block else None,
        seen_in_mempool=(transfer is not None and not in_block)
        or (mempool is not None and tx_key[0] in mempool),
        rollback_above=report.rollback_above, mempool_known=mempool is not None,
        reorg_depth=network.reorg_depth)


def _apply_to_invoice(invoice: Invoice, network: registry.Network, observed: list,
                      report: ScanReport, now: datetime) -> None:
    """Bring one invoice's transactions in line with the chain (new ones recorded, known ones
    reconciled by `lifecycle.reconcile`), then re-evaluate it; every event is rendered after
    all of it, confirmations counted at the scanned tip."""
    known = {(tx.txid, tx.output_index): tx
             for tx in invoice.transactions.filter(network=network.code)}
    seen = {(t.txid, t.index): t for _, t in observed}
    events: list[str] = []
    for key, tx in known.items():
        change = lifecycle.reconcile(
            lifecycle.TxFacts(tx.status, tx.block_height, tx.block_hash,
                              tx.required_confirmations, tx.unmined_at_height),
            _view(key, seen, report, network))
        fields = {
            "status": change.status, "block_height": change.block_height,
            "block_hash": change.block_hash, "unmined_at_height": change.unmined_at,
            "confirmed_at": ((tx.confirmed_at or now)
                             if change.status == Transaction.CONFIRMED else None),
            "reverted_at": ((tx.reverted_at or now)
                            if change.status == Transaction.REVERTED else None),
        }
        updates = {name: value for name, value in fields.items() if getattr(tx, name) != value}
        if updates:
            for name, value in updates.items():
                setattr(tx, name, value)
            tx.save(update_fields=list(updates))
        if change.event:
            events.append(change.event)
    for quote, transfer in observed:
        if (transfer.txid, transfer.index) in known:
            continue
        tx = _record_transaction(invoice, network, quote, transfer, report, now)
        events.append("transaction_created")
        if tx.status == Transaction.CONFIRMED:  # first seen already deep (after an outage)
            events.append("transaction_confirmed")
    reevaluate(invoice, now, events=events, heights={network.code: report.tip_height})


def _record_transaction(invoice: Invoice, network: registry.Network, quote: Quote, transfer,
                        report: ScanReport, now: datetime) -> Transaction:
    """A transfer seen for the first time: the payer's first payment to an address they had
    switched away from makes that method the chosen one (`accounting.switched_method`)."""
    has_payments = invoice.transactions.exists()
    current = (invoice.quote.asset, invoice.quote.network) if invoice.quote else None
    if accounting.switched_method(current, has_payments, (quote.asset, quote.network),
                                  transfer.asset) != current:
        invoice.quote = quote
        invoice.save(update_fields=["quote"])
    in_block = transfer.block_hash is not None
    tx = Transaction.objects.create(
        invoice=invoice, quote=quote, network=network.code, txid=transfer.txid,
        output_index=transfer.index, asset=transfer.asset, amount=transfer.amount,
        to_address=transfer.to_address, from_addresses=list(transfer.from_addresses),
        block_height=transfer.block_height, block_hash=transfer.block_hash,
        required_confirmations=_required_confirmations(invoice, network, quote,
                                                       transfer.amount),
        flagged=screening.is_flagged(transfer.from_addresses, invoice.merchant.deny_list),
        paid_at=min(transfer.time or now, now), detected_at=now)
    if in_block and lifecycle.confirmations(tx.block_height, report.tip_height) \
            >= tx.required_confirmations:
        tx.status, tx.confirmed_at = Transaction.CONFIRMED, now
        tx.save(update_fields=["status", "confirmed_at"])
    return tx


def sweep(now: datetime | None = None) -> int:
    """Apply what time alone decides: expiry and processing timeouts. Returns how many
    invoices changed."""
    now = now or timezone.now()
    due = set(Invoice.objects.filter(status__in=[Status.NEW, Status.PENDING],
                                     expires_at__lte=now).values_list("id", flat=True))
    for invoice_id, paid_at, timeout in Transaction.objects.filter(
            status=Transaction.PENDING,
            invoice__status__in=[Status.PENDING, Status.EXPIRED, Status.UNRESOLVED]
    ).values_list("invoice_id", "paid_at", "invoice__processing_timeout_minutes"):
        if now - paid_at >= timedelta(minutes=timeout):
            due.add(invoice_id)
    changed = 0
    for invoice_id in sorted(due, key=str):
        with transaction.atomic():
            invoice = _locked(invoice_id)
            before = invoice.status
            reevaluate(invoice, now)
            changed += invoice.status != before
    return changed


# --- the merchant's actions ---------------------------------------------------------------

def _action_or_conflict(invoice: Invoice, action: str, actor: str, now: datetime
                        ) -> list[Refund]:
    try:
        return _act(invoice, action, actor, now)
    except lifecycle.NothingToRefund as exc:
        raise Conflict("nothing_to_refund", str(exc)) from None


def resolve(invoice_id, action: str, actor: str, refund_amount: str = "received"):
    """Complete or refund an unresolved or declined invoice (or an overpaid completed one);
    `refund_amount="excess"` refunds only what was paid beyond the amount due and keeps (or
    makes) the invoice completed. Returns the invoice and the refund in its chosen asset
    (or the first one), if any."""
    now = timezone.now()
    if action == "refund" and refund_amount == "excess":
        action = "refund_excess"
    with transaction.atomic():
        invoice = _locked(invoice_id)
        refunds = _action_or_conflict(invoice, action, actor, now)
        if action == "refund" and not refunds:  # offered already (a declined invoice's)
            refunds = list(invoice.refunds.all())
        chosen = (invoice.quote.asset, invoice.quote.network) if invoice.quote else None
        refunds.sort(key=lambda r: (r.asset, r.network) != chosen)
        return invoice, (refunds[0] if refunds else None)


def review(invoice_id, action: str, actor: str) -> Invoice:
    """Approve (normal evaluation resumes) or decline a compliance review (the payer is
    offered everything back)."""
    now = timezone.now()
    with transaction.atomic():
        invoice = _locked(invoice_id)
        lifecycle.check_action(action, invoice.status)
        if action == "approve":
            invoice.review_decision = "approved"
            invoice.save(update_fields=["review_decision"])
            reevaluate(invoice, now, actor)
        else:
            invoice.review_decision = "declined"
            _act(invoice, "decline", actor, now)
        return invoice


def cancel(invoice_id, actor: str) -> Invoice:
    """Cancel from new or pending; money already received is offered back to the payer."""
    now = timezone.now()
    with transaction.atomic():
        invoice = _locked(invoice_id)
        _act(invoice, "cancel", actor, now)
        return invoice


def set_archived(invoice_id, archived: bool, actor: str) -> Invoice:
    """Hide (or show again) an invoice; an archived new invoice stops accepting payment.
    `archived` is part of the invoice the merchant hears about, so the change is an event."""
    now = timezone.now()
    with transaction.atomic():
        invoice = _locked(invoice_id)
        if invoice.archived != archived:
            invoice.archived = archived
            invoice.save(update_fields=["archived"])
            _emit(invoice, ["status_changed"], actor, now, None)
        return invoice
