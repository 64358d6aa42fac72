"""Reads: what a merchant offers, which addresses the scanner watches, the networks'
tips, the price volumes of a set of invoices. No writes here; the use cases that write
are in `invoices.services`."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from datetime import date

from django.db import connection
from django.db.models import Aggregate, Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from chains import registry
from chains.addresses import eip55
from chains.checks import enabled_methods
from chains.models import ChainCursor
from chains.registry import Asset
from core.errors import ErrorCode, GatewayError
from invoices import accounting
from invoices.models import DailyTotal, Quote, Refund, Transaction
from merchants.models import Merchant, Wallet

# --- payment methods ------------------------------------------------------------------------


def _methods(merchant: Merchant, families: set[str] | None, livemode: bool) -> list[Asset]:
    """Enabled networks' assets the merchant has not switched off, of networks that serve
    the mode (`registry.serves`: test networks for test invoices, real ones for live ones);
    with `families`, only those of networks it has a wallet for."""
    chosen = set(merchant.enabled_methods)
    return [
        asset
        for asset in enabled_methods()
        if (families is None or registry.network(asset.network).family in families)
        and registry.serves(registry.network(asset.network), livemode)
        and (not chosen or asset.method in chosen)
    ]


def _wallet_families(merchant: Merchant) -> set[str]:
    """The families the merchant has a wallet of."""
    return set(Wallet.objects.filter(merchant=merchant).values_list("family", flat=True))


def offered_methods(*, merchant: Merchant, livemode: bool = True) -> list[Asset]:
    """The payment methods of the merchant's live (or test) invoices: enabled networks'
    assets it has a wallet for and has not switched off."""
    return _methods(merchant, _wallet_families(merchant), livemode)


def _not_offered(asset_code: str, network_code: str | None) -> GatewayError:
    return GatewayError(
        ErrorCode.CURRENCY_NOT_OFFERED,
        "pay_currency",
        message=None
        if network_code
        else _("%(asset)s is not a payment method this merchant offers"),
        asset=asset_code,
        network=network_code,
    )


def _match(methods: list[Asset], asset_code: str, network_code: str | None) -> list[Asset]:
    return [
        a
        for a in methods
        if a.code == asset_code and (network_code is None or a.network == network_code)
    ]


def find_method(
    *, merchant: Merchant, asset_code: str, network_code: str | None, livemode: bool = True
) -> Asset:
    asset_code = asset_code.upper()
    matches = _match(
        offered_methods(merchant=merchant, livemode=livemode), asset_code, network_code
    )
    if not matches:
        raise _not_offered(asset_code, network_code)
    if len(matches) > 1:
        networks = ", ".join(a.network for a in matches)
        raise GatewayError(
            ErrorCode.NETWORK_REQUIRED, "network", asset=asset_code, networks=networks
        )
    return matches[0]


def _fixed_method(
    merchant: Merchant, asset_code: str, network_code: str | None, livemode: bool
) -> Asset:
    """find_method without reading the wallets when the method is unambiguous anyway: the
    address allocation (`_next_index`) then finds out whether the wallet exists."""
    matches = _match(_methods(merchant, None, livemode), asset_code.upper(), network_code)
    return (
        matches[0]
        if len(matches) == 1
        else find_method(
            merchant=merchant, asset_code=asset_code, network_code=network_code, livemode=livemode
        )
    )


# --- what the scanner watches --------------------------------------------------------------

WATCH_LOOKUP_BATCH = 5000  # addresses per query: SQLite binds at most 32766 parameters


def watched_addresses(*, network: str, addresses: set[str]) -> set[str]:
    """Which of these addresses the gateway ever issued: every one stays watched, whatever
    became of its invoice (PRODUCT.md, Watched forever). One indexed lookup (`Quote`'s
    network + address index) per few thousand addresses (a block's, or a whole mempool's),
    whatever the number of invoices."""
    addresses_in_order = sorted(addresses)
    watched: set[str] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(addresses_in_order), WATCH_LOOKUP_BATCH):
            cursor.execute(
                *watched_lookup(network, addresses_in_order[start : start + WATCH_LOOKUP_BATCH])
            )
            watched |= {address for (address,) in cursor.fetchall()}
    return watched


def watched_lookup(network: str, addresses: list[str]) -> tuple[str, list]:
    """The SQL (and its parameters) of one batch of `watched_addresses`, for it and for
    EXPLAIN. On PostgreSQL an IN list (= ANY) of a few thousand addresses makes the planner
    guess a large share of the table and read it all, a time that grows with every address
    ever issued; a LATERAL probe per address can only run as index lookups, from 1,000
    issued addresses up (measured at 100,000 quotes, 5,000 addresses: 46 ms scanning, 34 ms
    probing; benchmarks/scan.py prints both plans). SQLite always looks an IN list up in
    the index."""
    if connection.vendor != "postgresql":
        found = Quote.objects.filter(network=network, address__in=addresses)
        sql, params = found.values_list("address").query.sql_with_params()
        return sql, list(params)
    table = connection.ops.quote_name(Quote._meta.db_table)
    return (
        "SELECT wanted.address FROM unnest(%s::varchar[]) AS wanted(address) "
        f"CROSS JOIN LATERAL (SELECT 1 FROM {table} AS quote WHERE quote.network = %s "
        "AND quote.address = wanted.address LIMIT 1) AS issued",
        [addresses, network],
    )


def payout_addresses(*, network: str, addresses: set[str]) -> set[str]:
    """Which of these addresses a refund payout is awaited at, or confirming at: the scanner
    watches them alongside the invoices' addresses."""
    return {
        address
        for address in Refund.objects.filter(
            network=network,
            status__in=[Refund.CLAIMED, Refund.PAID, Refund.CONFIRMED],
            address__in=addresses,
        ).values_list("address", flat=True)
        if address is not None
    }


def tip_heights() -> dict[str, int]:
    """Each network's tip, as its node reported it at the last scan (the scanned height
    before any): confirmations are counted against it, also while a scan catches up."""
    return {
        network: node_tip if node_tip is not None else height
        for network, height, node_tip in ChainCursor.objects.filter(
            height__isnull=False
        ).values_list("network", "height", "node_tip")
        if height is not None
    }


# --- price volumes ----------------------------------------------------------------------------

VOLUME_CHUNK = 1000  # rows read at a time where the sum is made in Python


def price_totals(
    invoices: QuerySet, group: list[str], buckets: dict[str, Q]
) -> dict[tuple, dict[str, accounting.Total]]:
    """{group values: {bucket: Total(invoices, price units)}}: each invoice counted once at
    its price, per price currency (`group` must name it: dollars and euros do not add up),
    as `accounting.totals` adds up. On PostgreSQL the same sum is one SQL aggregate over
    every bucket, exact on its NUMERIC column, so a large dashboard reads no rows; SQLite
    stores the amounts as text (see UnitsField), so there the rows are streamed through
    `accounting.totals`, one query per bucket."""
    if "price_currency" not in group:
        raise ValueError("price totals are per price currency")
    found: dict = defaultdict(lambda: dict.fromkeys(buckets, accounting.Total(0, 0)))
    invoices = invoices.order_by()
    if connection.vendor == "postgresql":
        aggregates: dict[str, Aggregate] = {}
        for name, condition in buckets.items():
            aggregates[f"n_{name}"] = Count("pk", filter=condition)
            aggregates[f"v_{name}"] = Sum("price_amount", filter=condition)
        for row in invoices.values(*group).annotate(**aggregates):
            key = tuple(row[field] for field in group)
            for name in buckets:
                found[key][name] = accounting.Total(row[f"n_{name}"], int(row[f"v_{name}"] or 0))
        return found
    for name, condition in buckets.items():
        rows = (
            invoices.filter(condition)
            .values_list(*group, "price_amount")
            .iterator(chunk_size=VOLUME_CHUNK)
        )
        for key, total in accounting.totals((tuple(key), units) for *key, units in rows).items():
            found[key][name] = total
    return found


def daily_totals(
    merchant: Merchant, livemode: bool, basis: str, since: date
) -> dict[tuple[date, str, str], accounting.Total]:
    """{(day, status, price currency): Total} of the merchant's invoices of one mode, per
    day (UTC) from `since`, on the `basis` of `DailyTotal` (the day they were created, or
    completed): one row per day, status and currency, whatever the number of invoices."""
    rows = DailyTotal.objects.filter(
        merchant=merchant, livemode=livemode, basis=basis, day__gte=since
    ).values_list("day", "status", "price_currency", "count", "volume")
    return {
        (day, status, currency): accounting.Total(number, units)
        for day, status, currency, number, units in rows
    }


# --- search ----------------------------------------------------------------------------------


_HEX = re.compile(r"(?:0x)?[0-9a-fA-F]{64}")
_EVM_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def search_terms(text: str) -> tuple[set[str], set[str]]:
    """(addresses, txids) a pasted string may be stored as: as given and in lower case
    (bech32 is case-insensitive, hex txids are stored lower case, EVM ones with 0x), and an
    EVM address in its checksummed form."""
    addresses, txids = {text, text.lower()}, {text}
    if _EVM_ADDRESS.fullmatch(text):
        addresses.add("0x" + eip55(text[2:]))
    if _HEX.fullmatch(text):
        digits = text.lower().removeprefix("0x")
        txids |= {digits, "0x" + digits}
    return addresses, txids


def search(queryset: QuerySet, text: str) -> QuerySet:
    """The search of the dashboard's invoice list and of `GET /invoices?search=`: invoices
    whose id, foreign id, customer e-mail, an address or a transaction id is `text`.
    Addresses and txids live in other tables: their invoice ids are looked up first (each
    an index read), so the final query stays one indexed OR on the invoices."""
    text = text.strip()
    match = Q(foreign_id=text)
    try:
        match |= Q(pk=uuid.UUID(text))
    except ValueError:
        pass
    if "@" in text:
        match |= Q(customer_email__iexact=text)
    addresses, txids = search_terms(text)
    ids = set(Quote.objects.filter(address__in=addresses).values_list("invoice_id", flat=True))
    ids |= set(Transaction.objects.filter(txid__in=txids).values_list("invoice_id", flat=True))
    if ids:
        match |= Q(pk__in=ids)
    return queryset.filter(match)
