"""Invoices, their quotes, the transactions paying them, refunds, the event outbox, rates.

Every amount is an integer of base units (`UnitsField`) next to the asset it counts; the
decimals come from the registry (pay assets) or `invoices.money` (price currencies).
"""

import secrets
import uuid
from datetime import timedelta
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper

from chains import registry
from chains.fields import UnitsField
from invoices import accounting, lifecycle, money, pricing
from invoices.lifecycle import Context, Facts, RefundStatus, Status, TxFacts, TxStatus
from merchants.models import PERCENT, Merchant, TokenQR


def _choices(enum) -> list[tuple[str, str]]:
    return [(member.value, member.value) for member in enum]


class Kind(models.TextChoices):
    OPEN = "open"
    TIMED = "timed"
    FIXED = "fixed"


class Invoice(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.TIMED)
    status = models.CharField(max_length=20, choices=_choices(Status), default=Status.NEW.value)
    status_context = models.CharField(
        max_length=20, null=True, blank=True, choices=_choices(Context)
    )
    archived = models.BooleanField(default=False)
    # False for a test-mode invoice: it is paid on test networks only (the sandbox, regtest,
    # public testnets), never on a real chain.
    livemode = models.BooleanField(default=True)

    price_amount = UnitsField()  # base units of price_currency (cents for USD)
    price_currency = models.CharField(max_length=16)
    # The payment method chosen (null until chosen); its quote holds rate, due and address.
    quote = models.ForeignKey(
        "Quote", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    foreign_id = models.CharField(max_length=255, null=True, blank=True)
    description = models.TextField(blank=True)
    customer_email = models.EmailField(blank=True)
    callback_url = models.URLField(blank=True, max_length=2000)
    return_url = models.URLField(blank=True, max_length=2000)
    metadata = models.JSONField(default=dict, blank=True)
    insurance_percent = models.DecimalField(**PERCENT)
    slippage_percent = models.DecimalField(**PERCENT)
    # The shortfall accepted as paid besides the slippage, in base units of price_currency
    # (pricing.classify: the larger allowance wins); converted at the chosen quote's rate.
    underpayment_tolerance = UnitsField(default=0)
    # What a token payment's QR code holds (merchants.models.TokenQR).
    token_qr = models.CharField(max_length=8, choices=TokenQR.choices, default=TokenQR.URI)
    include_fee = models.BooleanField(default=False)
    # Copied from the merchant at creation so later settings changes do not move deadlines.
    payment_window_minutes = models.PositiveIntegerField()
    late_window_minutes = models.PositiveIntegerField()
    processing_timeout_minutes = models.PositiveIntegerField()
    # Confirmations its payments need, over the merchant's (a Greenfield `speedPolicy`);
    # null: the merchant's. The network's safe minimum still holds.
    required_confirmations = models.PositiveSmallIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # open kind: set when picked
    selected_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField()
    # Compliance: set by the merchant's review of a flagged sender.
    review_decision = models.CharField(max_length=10, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "foreign_id"],
                condition=Q(foreign_id__isnull=False),
                name="unique_foreign_id_per_merchant",
            ),
        ]
        indexes = [
            # The mode is last: Django compares a boolean as `NOT livemode`, which SQLite
            # cannot seek on, but it filters on the index entries while walking them in order.
            models.Index(
                fields=["merchant", "-created_at", "-id", "livemode"], name="invoice_newest"
            ),
            models.Index(fields=["status", "expires_at"], name="invoice_status_expiry"),
            # The dashboard's list filters and search, newest first at any depth.
            models.Index(
                fields=["merchant", "status", "-created_at", "-id"], name="invoice_status_newest"
            ),
            models.Index(
                fields=["merchant", "archived", "-created_at", "-id"],
                name="invoice_archived_newest",
            ),
            models.Index(
                fields=["merchant", "status_context", "-created_at", "-id"],
                name="invoice_context_newest",
                condition=Q(status_context__isnull=False),
            ),
            models.Index(Upper("customer_email"), name="invoice_customer_email"),
            # The dashboard's chart: completed volume by the day it completed.
            models.Index(
                fields=["merchant", "status", "status_changed_at"], name="invoice_status_changed"
            ),
        ]

    def __str__(self):
        return str(self.id)

    @property
    def token_uri(self) -> bool:
        """Whether a token payment's QR code holds a payment URI (else the plain address)."""
        return self.token_qr == TokenQR.URI

    def facts(self) -> Facts:
        """What the state machine (invoices.lifecycle) and the payer's page decide from."""
        return Facts(
            status=self.status,
            context=self.status_context,
            expires_at=self.expires_at,
            late_window=timedelta(minutes=self.late_window_minutes),
            processing_timeout=timedelta(minutes=self.processing_timeout_minutes),
            status_changed_at=self.status_changed_at,
            review_decision=self.review_decision,
            archived=self.archived,
        )

    def ledger(self, transactions=None, refunds=None) -> accounting.Ledger:
        """What the invoice's transactions add up to (pass them, or prefetch `transactions`
        and `refunds`, when they are loaded anyway)."""
        quote = self.quote
        network = registry.get_network(quote.network) if quote else None
        return accounting.account(
            (quote.asset, quote.network) if quote else None,
            quote.due_amount if quote else None,
            self.slippage_percent,
            [
                tx.as_payment(quote)
                for tx in (self.transactions.all() if transactions is None else transactions)
            ],
            account_network=network.account_based if network else True,
            refunded=self.refunded(refunds),
            closed_at=lifecycle.closed_at(self.facts()),
            tolerance=self.tolerance_units(quote, network),
        )

    def tolerance_units(self, quote: "Quote | None", network: registry.Network | None) -> int:
        """The absolute underpayment tolerance in base units of `quote`'s asset, at its rate
        (none on a network no longer configured: its payments are not judged anew)."""
        asset = network.asset(quote.asset) if quote and network else None
        if quote is None or asset is None or not self.underpayment_tolerance:
            return 0
        return pricing.tolerance_units(
            self.underpayment_tolerance,
            money.stored_price_decimals(self.price_currency),
            Decimal(quote.rate),
            asset.decimals,
        )

    def refunded(self, refunds=None) -> dict[accounting.Method, int]:
        """What refunds offer back, per (asset, network): a cancelled one gives nothing."""
        chosen = self.refunds.all() if refunds is None else refunds
        rows = (
            ((refund.asset, refund.network), refund.amount)
            for refund in chosen
            if lifecycle.refund_counts(refund.status)
        )
        return {key: total.units for key, total in accounting.totals(rows).items()}


class DailyTotal(models.Model):
    """How many invoices of a merchant and mode, and what price volume (`UnitsField`, per
    price currency), are in a status, per day (UTC): the dashboard overview reads these
    rather than the invoices, so its cost grows with days, not invoices.

    Two kinds of day: CREATED rows count every invoice, on the day it was created, in the
    status it has now; COMPLETED rows count the completed ones on the day they were
    completed (the overview's chart). `invoices.services.rollups` keeps them in the
    transaction that changes the status, and rebuilds them; the database counts an invoice
    as it inserts it (a trigger, migrations/0017)."""

    CREATED = "created"
    COMPLETED = "completed"

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    livemode = models.BooleanField()
    basis = models.CharField(max_length=10, choices=[(CREATED, CREATED), (COMPLETED, COMPLETED)])
    day = models.DateField()
    status = models.CharField(max_length=20, choices=_choices(Status))
    price_currency = models.CharField(max_length=16)
    count = models.BigIntegerField(default=0)
    volume = UnitsField(default=0)  # base units of price_currency

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "livemode", "basis", "day", "status", "price_currency"],
                name="one_daily_total",
            ),
        ]


class Quote(models.Model):
    """The rate locked for one payment method of an invoice, what is due in it, and (once
    the payer picks it) the address derived for it."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="quotes")
    asset = models.CharField(max_length=16)
    network = models.CharField(max_length=32)
    rate = models.CharField(max_length=64)  # price currency per one pay asset, decimal string
    rate_source = models.CharField(max_length=32)
    rate_fetched_at = models.DateTimeField()
    fee_amount = UnitsField(default=0)  # network fee included in due, pay asset units
    due_amount = UnitsField()  # pay asset units, rounded up
    address = models.CharField(max_length=128, null=True, blank=True)
    derivation_index = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "asset", "network"], name="one_quote_per_method"
            ),
            models.UniqueConstraint(
                fields=["network", "address"],
                condition=Q(address__isnull=False),
                name="one_invoice_per_address",
            ),
        ]
        indexes = [models.Index(fields=["address"], name="quote_address")]  # dashboard search


class Transaction(models.Model):
    PENDING, CONFIRMED, REVERTED = TxStatus.PENDING, TxStatus.CONFIRMED, TxStatus.REVERTED

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="transactions")
    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="transactions")
    network = models.CharField(max_length=32)
    txid = models.CharField(max_length=128)
    output_index = models.PositiveIntegerField()
    asset = models.CharField(max_length=16)
    amount = UnitsField()
    to_address = models.CharField(max_length=128)
    from_addresses = models.JSONField(default=list)
    block_height = models.PositiveBigIntegerField(null=True, blank=True)
    block_hash = models.CharField(max_length=128, null=True, blank=True)
    required_confirmations = models.PositiveIntegerField()
    status = models.CharField(max_length=10, default=PENDING, choices=_choices(TxStatus))
    flagged = models.BooleanField(default=False)  # a sender is on a sanctions or deny list
    # When the payer paid: the node's mempool first-seen time or the block's timestamp, never
    # when a scanner got round to it (lateness is judged by this).
    paid_at = models.DateTimeField()
    detected_at = models.DateTimeField()  # when the gateway recorded it
    # Recorded after the invoice's last status change (the status it had stayed): payments
    # to an invoice already closed are among these few, which the overview's "paid after it
    # closed" reads through their own index instead of every transaction of the merchant.
    after_close = models.BooleanField(default=False)
    # The scanned height when a reorganisation took its block away (cleared when it is mined
    # again): without a mempool API it gets the network's reorg depth to reappear.
    unmined_at_height = models.PositiveBigIntegerField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    reverted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "txid", "output_index"], name="one_transfer_once"
            )
        ]
        indexes = [
            models.Index(fields=["network", "status"], name="tx_network_status"),
            models.Index(fields=["txid"], name="tx_txid"),  # dashboard search
            models.Index(
                fields=["detected_at"], condition=Q(after_close=True), name="tx_after_close"
            ),
        ]

    def as_payment(self, chosen: Quote | None = None) -> accounting.Payment:
        """`chosen`: the invoice's chosen quote, which spares loading the transaction's own
        quote when it is that one (nearly always)."""
        quote = chosen if chosen is not None and chosen.pk == self.quote_id else self.quote
        return accounting.Payment(
            asset=self.asset,
            network=self.network,
            method_asset=quote.asset,
            amount=self.amount,
            paid_at=self.paid_at,
            seen_at=self.detected_at,
            senders=tuple(self.from_addresses),
            live=self.status != self.REVERTED,
            confirmed=self.status == self.CONFIRMED,
            flagged=self.flagged,
        )


def new_claim_token() -> str:
    return secrets.token_urlsafe(32)


class Refund(models.Model):
    AWAITING_CLAIM, CLAIMED, PAID, CONFIRMED, CANCELLED = tuple(RefundStatus)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="refunds")
    asset = models.CharField(max_length=16)
    network = models.CharField(max_length=32)
    amount = UnitsField()
    status = models.CharField(max_length=20, default=AWAITING_CLAIM)
    claim_token = models.CharField(max_length=64, unique=True, default=new_claim_token)
    address = models.CharField(max_length=128, blank=True)
    payout_txid = models.CharField(max_length=128, blank=True)
    # Where the payout the scanner saw stands on the chain (as a Transaction's block fields).
    payout_block_height = models.PositiveBigIntegerField(null=True, blank=True)
    payout_block_hash = models.CharField(max_length=128, blank=True)
    payout_unmined_at = models.PositiveBigIntegerField(null=True, blank=True)
    # Marked paid by the merchant with a payout the gateway cannot see: the scanner leaves it.
    paid_manually = models.BooleanField(default=False)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    def payout_facts(self, required_confirmations: int) -> TxFacts:
        """The payout as `lifecycle.reconcile` follows a transaction: pending while paid,
        confirmed once confirmed."""
        return TxFacts(
            TxStatus.CONFIRMED if self.status == RefundStatus.CONFIRMED else TxStatus.PENDING,
            self.payout_block_height,
            self.payout_block_hash or None,
            required_confirmations,
            self.payout_unmined_at,
        )


class OurEvents(models.Manager):
    """Events of our own types (Event.TYPES): the created event is for another dialect's
    webhooks alone, so our API, dashboard and notifications never see it. Deliveries and
    attempts reach their event through the base manager, which has every row."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().exclude(type=Event.CREATED)


class Event(models.Model):
    """The outbox: one row per thing a merchant hears about, written in the same database
    transaction as the change it reports. `data` is the invoice as the API showed it then."""

    TYPES = (
        "transaction_created",
        "transaction_confirmed",
        "transaction_updated",
        "transaction_reverted",
        "status_changed",
        "refund_updated",
    )
    # An invoice's making, for a webhook dialect that reports it (Greenfield's
    # InvoiceCreated): recorded at creation only while one of the merchant's endpoints wants
    # it (Merchant.records_invoice_creation), with sequence 0 so that it goes first and our
    # events keep theirs from 1. Not one of ours: `objects` leaves it out.
    CREATED = "invoice_created"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="events")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=32)
    sequence = models.PositiveIntegerField()  # per invoice, from 1 (CREATED: 0)
    actor = models.CharField(max_length=100)  # "system", "api_key:<prefix>", "user:<name>"…
    data = models.JSONField()
    created_at = models.DateTimeField(db_index=True)
    # Its delivery to each webhook endpoint is the webhooks app's (webhooks.models.Delivery).
    # The payer's refund-claim e-mail (webhooks.emails), with the sending worker's lease.
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_claimed_until = models.DateTimeField(null=True, blank=True)

    objects = OurEvents()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "sequence"], name="event_sequence_per_invoice"
            )
        ]
        indexes = [
            models.Index(fields=["merchant", "-created_at", "-id"], name="event_newest"),
            models.Index(
                fields=["created_at"],
                name="event_refund_email_due",
                condition=Q(type="refund_updated", email_sent_at__isnull=True),
            ),
        ]
        ordering = ["created_at", "sequence"]


class IdempotencyKey(models.Model):
    """A mutating request's key and the first response to it, replayed to any retry of it
    (invoices.api.idempotency). No response yet: the first request is still running."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)  # method, path and body
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)  # pruned after 24 h

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "key"], name="one_idempotency_key")
        ]


RATE_VALUE_LENGTH = 64  # digits of a rate's decimal string


class Rate(models.Model):
    """The latest rate of a pair: `value` units of `quote` for one `base` (decimal string)."""

    base = models.CharField(max_length=16)
    quote = models.CharField(max_length=16)
    value = models.CharField(max_length=RATE_VALUE_LENGTH)
    source = models.CharField(max_length=32)
    fetched_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["base", "quote"], name="one_rate_per_pair")]
