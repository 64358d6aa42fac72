"""Our concepts in BTCPay Server's Greenfield terms, both ways, as pure tables.

Written from BTCPay's documentation (the InvoiceStatus / InvoiceAdditionalStatus schemas of
`swagger.template.invoices.json` and BTCPay's "Invoice statuses" docs page):

- New: nothing (or not enough) paid while the timer runs (`PaidPartial` when part is in);
- Processing: paid in full, waiting for confirmations (or for someone to look at it);
- Settled: paid and confirmed (`PaidOver` when more came in, `Marked` when a person said so);
- Expired: the timer ran out (`PaidPartial` / `PaidLate` when money came anyway);
- Invalid: it will not be paid (`Marked` when a person said so, `Invalid` when money
  counted left the chain).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from invoices.lifecycle import Status
from merchants.models import SCOPE_ADMIN, SCOPE_INVOICES
from merchants.rules import Context

NEW, PROCESSING, SETTLED, EXPIRED, INVALID = "New", "Processing", "Settled", "Expired", "Invalid"
GREENFIELD_STATUSES = (NEW, PROCESSING, EXPIRED, INVALID, SETTLED)
NONE, PAID_LATE, PAID_PARTIAL, MARKED, PAID_OVER = (
    "None",
    "PaidLate",
    "PaidPartial",
    "Marked",
    "PaidOver",
)
ADDITIONAL_STATUSES = (NONE, PAID_LATE, PAID_PARTIAL, MARKED, INVALID, PAID_OVER)

# (our status, our context) -> (Greenfield status, additional status). A context our
# lifecycle never gives a status falls back to the status's own row (context None).
_STATUS: dict[tuple[str, str | None], tuple[str, str]] = {
    (Status.NEW, None): (NEW, NONE),
    (Status.PENDING, None): (PROCESSING, NONE),
    # Part is in and the timer still runs: BTCPay keeps such an invoice New, PaidPartial.
    (Status.PENDING, Context.UNDERPAID): (NEW, PAID_PARTIAL),
    # Money is held for a compliance review: received, not yet settled.
    (Status.COMPLIANCE_REVIEW, None): (PROCESSING, NONE),
    (Status.COMPLETED, None): (SETTLED, NONE),
    (Status.COMPLETED, Context.OVERPAID): (SETTLED, PAID_OVER),
    (Status.UNRESOLVED, Context.UNDERPAID): (EXPIRED, PAID_PARTIAL),
    (Status.UNRESOLVED, Context.PAID_LATE): (EXPIRED, PAID_LATE),
    (Status.UNRESOLVED, Context.OVERPAID): (SETTLED, PAID_OVER),
    # Paid by several senders: the merchant decides, so the shop waits as for confirmations.
    (Status.UNRESOLVED, Context.MULTIPLE_SENDERS): (PROCESSING, NONE),
    (Status.UNRESOLVED, Context.REVERTED): (INVALID, INVALID),
    (Status.UNRESOLVED, None): (PROCESSING, NONE),
    (Status.EXPIRED, None): (EXPIRED, NONE),
    (Status.CANCELLED, None): (INVALID, MARKED),
    (Status.DECLINED, None): (INVALID, MARKED),
    (Status.REFUNDED, None): (INVALID, MARKED),
    (Status.FAILED, None): (INVALID, NONE),  # never confirmed in time
}


def to_greenfield(status: str, context: str | None, marked: bool = False) -> tuple[str, str]:
    """The Greenfield (status, additionalStatus) of one of ours. `marked`: a person (not the
    chain) completed the invoice, which BTCPay reports as Settled, Marked."""
    found = _STATUS.get((status, context)) or _STATUS[(status, None)]
    if marked and found[0] == SETTLED:
        return SETTLED, MARKED
    return found


def from_greenfield(status: str) -> list[tuple[str, str | None]]:
    """Our (status, context) pairs a Greenfield status filter (`?status=Settled`) selects:
    the table's rows that say so (a person's marking aside, which only adds to Settled)."""
    return sorted(
        ((ours, context) for (ours, context), (theirs, _) in _STATUS.items() if theirs == status),
        key=str,
    )


# Marking (POST …/invoices/{id}/status): the merchant action it means, by our status.
def mark_action(mark: str, status: str) -> str:
    """The merchant action that marks an invoice Settled or Invalid."""
    if mark == SETTLED:
        return "complete"
    return "cancel" if status in (Status.NEW, Status.PENDING) else "refund"


# --- payment methods ------------------------------------------------------------------------

# BTCPay spells a payment method `<CURRENCY>-<TYPE>`: `BTC-CHAIN` and `LTC-CHAIN` for on-chain
# coins (BTCPay 2's PaymentMethodId). Tokens follow BTCPay's USDt plugin
# (btcpayserver-tether/BTCPayServer.Plugins.USDt, Configuration/Constants.cs: the currency
# "USDt" and the chain names "TRON" and "ETHEREUM", upper-cased by Configuration/ChainRef.cs),
# which reports `USDT-TRON` and `USDT-ETHEREUM`; our other tokens and EVM coins are spelt the
# same way, `<ASSET>-<NETWORK>` upper-case.
_ON_CHAIN = {"bitcoin": "BTC", "litecoin": "LTC"}


def payment_method_id(asset: str, network: str) -> str:
    if _ON_CHAIN.get(network) == asset:
        return f"{asset}-CHAIN"
    return f"{asset.upper()}-{network.upper()}"


def parse_payment_method_id(method_id: str, offered: list[tuple[str, str]]) -> tuple[str, str]:
    """(asset, network) of a Greenfield payment method id among the offered (asset, network)
    pairs; also accepts BTCPay's bare currency (`BTC`) for its on-chain method. KeyError
    when none matches."""
    wanted = method_id.upper()
    for asset, network in offered:
        spelt = payment_method_id(asset, network)
        if wanted in (spelt, f"{spelt}-ONCHAIN") or (
            spelt.endswith("-CHAIN") and wanted == asset.upper()
        ):
            return asset, network
    raise KeyError(method_id)


# --- speed policy ----------------------------------------------------------------

# BTCPay's speedPolicy names how many confirmations settle an invoice: HighSpeed 0,
# MediumSpeed 1, LowMediumSpeed 2, LowSpeed 6 (BTCPay's SpeedPolicy documentation).
SPEED_POLICY_CONFIRMATIONS = {"HighSpeed": 0, "MediumSpeed": 1, "LowMediumSpeed": 2, "LowSpeed": 6}


# --- permissions ----------------------------------------------------------------------------

# What each of our key scopes lets a Greenfield client do, per store (the key's merchant).
# `invoices` creates, reads and marks invoices and reads the store; `admin` may also manage
# webhooks. The admin set is exactly what BTCPay's WooCommerce plugin asks for
# (GreenfieldApiAuthorization::REQUIRED_PERMISSIONS), which refuses a key with any other.
INVOICE_PERMISSIONS = (
    "btcpay.store.canviewinvoices",
    "btcpay.store.cancreateinvoice",
    "btcpay.store.canmodifyinvoices",
    "btcpay.store.canviewstoresettings",
)
WEBHOOKS = "btcpay.store.webhooks.canmodifywebhooks"
ADMIN_PERMISSIONS = (*INVOICE_PERMISSIONS, WEBHOOKS)
SCOPE_PERMISSIONS = {SCOPE_INVOICES: INVOICE_PERMISSIONS, SCOPE_ADMIN: ADMIN_PERMISSIONS}
# What a team member may grant an application: an owner anything, staff (who work with
# invoices but not the store's settings) only the invoice permissions.
ROLE_PERMISSIONS = {
    "owner": ADMIN_PERMISSIONS,
    "staff": (
        "btcpay.store.canviewinvoices",
        "btcpay.store.cancreateinvoice",
        "btcpay.store.canmodifyinvoices",
    ),
}


def permissions_of(scope: str, store_id: str, granted: list[str] | None = None) -> list[str]:
    """A key's permissions as Greenfield lists them, `permission:STOREID`: those granted by
    the authorize flow, else those of its scope."""
    return [f"{p}:{store_id}" for p in (granted or SCOPE_PERMISSIONS[scope])]


def scope_for(permissions: list[str]) -> str | None:
    """The narrowest of our scopes that holds every permission (names without a store), or
    None when none does."""
    for scope in (SCOPE_INVOICES, SCOPE_ADMIN):
        if set(permissions) <= set(SCOPE_PERMISSIONS[scope]):
            return scope
    return None


# --- refunds -------------------------------------------------------------------------------

REFUND_VARIANTS = ("RateThen", "CurrentRate", "Fiat", "OverpaidAmount", "Custom")


def _less(amount: str, percent: Decimal) -> str:
    """`amount` less `percent` of it, rounded down in its own decimal places (a refund never
    gives back more than asked)."""
    exact = Decimal(amount) * (100 - percent) / 100
    return str(exact.quantize(Decimal(amount), rounding=ROUND_DOWN))


def refund_arguments(
    variant: str,
    *,
    price_amount: str,
    price_currency: str,
    paid_asset: str,
    excess: str,
    custom_amount: str | None = None,
    custom_currency: str | None = None,
    subtract_percentage: Decimal = Decimal(0),
) -> dict[str, str]:
    """A Greenfield refund request as create_refund's `amount` (in the paid asset) or
    `price_amount` (in the invoice's currency, at the rate locked when it was paid).
    `RateThen` and `Fiat` give back the invoice's price at that rate (BTCPay's `Fiat` would
    use the rate when the refund is sent: the gateway keeps no later rate for a refund);
    `OverpaidAmount` the excess; `Custom` an amount in the invoice's currency or the paid
    asset. `CurrentRate` is refused (ValueError): a refund at a rate of its own day is not
    one the gateway can price honestly. ValueError names the field at fault."""
    if variant in ("RateThen", "Fiat"):
        return {"price_amount": _less(price_amount, subtract_percentage)}
    if variant == "OverpaidAmount":
        return {"amount": _less(excess, subtract_percentage)}
    if variant == "Custom":
        if custom_amount is None or Decimal(custom_amount) <= 0:
            raise ValueError("customAmount")
        currency = (custom_currency or price_currency).upper()
        if currency == price_currency.upper():
            return {"price_amount": _less(custom_amount, subtract_percentage)}
        if currency == paid_asset.upper():
            return {"amount": _less(custom_amount, subtract_percentage)}
        raise ValueError("customCurrency")
    raise ValueError("refundVariant")
