"""What an invoice costs in each asset (rate, fee, insurance) and the address a quote is
paid to."""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache
from django.db import connection

from chains import registry
from chains.backends import NoBackend, get_backend
from chains.registry import Asset
from core.errors import ErrorCode, GatewayError
from invoices import money, pricing, rates
from invoices.models import Invoice, Quote
from merchants.models import Merchant, Wallet
from merchants.services import forwarder_address, wallet_addresses

FEE_CACHE_SECONDS = 60


def network_fee(*, asset: Asset) -> int:
    """The node's estimate of what sending `asset` costs, in native units (a token transfer
    costs more than a coin transfer), cached briefly: quotes are made in bursts."""
    key = f"fee:{asset.network}:{asset.code}"
    fee = cache.get(key)
    if fee is None:
        try:
            fee = get_backend(registry.network(asset.network)).fee_estimate_for(asset)
        except NoBackend as exc:
            raise GatewayError(ErrorCode.NETWORK_UNAVAILABLE, "network", message=str(exc)) from exc
        cache.set(key, fee, FEE_CACHE_SECONDS)
    return fee


def quotes_for(
    *, invoice: Invoice, assets: list[Asset], now: datetime
) -> list[Quote | GatewayError]:
    """Each asset's quote for the invoice, or the GatewayError saying why it has none; every
    rate they need is read at once."""
    pairs = [(asset.code, invoice.price_currency) for asset in assets]
    if invoice.include_fee:
        pairs += [
            (asset.code, registry.network(asset.network).native)
            for asset in assets
            if not asset.is_native
        ]
    table = rates.get_rates(pairs, now=now)
    return [_quote(invoice, asset, table, now) for asset in assets]


def _quote(invoice: Invoice, asset: Asset, table: dict, now: datetime) -> Quote | GatewayError:
    def rate(quote_currency):
        answer = table[(asset.code.upper(), quote_currency.upper())]
        if isinstance(answer, rates.RateError):
            raise GatewayError(ErrorCode.RATE_UNAVAILABLE, "pay_currency", message=str(answer))
        return answer

    try:
        price_rate = rate(invoice.price_currency)
        fee = 0
        if invoice.include_fee:
            network = registry.network(asset.network)
            fee = network_fee(asset=asset)
            if not asset.is_native:
                fee = pricing.convert_up(
                    fee, network.native_decimals, rate(network.native).value, asset.decimals
                )
    except GatewayError as exc:
        return exc
    due = pricing.due_amount(
        invoice.price_amount,
        money.stored_price_decimals(invoice.price_currency),
        price_rate.value,
        asset.decimals,
        invoice.insurance_percent,
        fee,
    )
    due = pricing.round_up_to_step(due, 10 ** (asset.decimals - asset.payer_decimals))
    return Quote(
        invoice=invoice,
        asset=asset.code,
        network=asset.network,
        rate=format(price_rate.value, "f"),
        rate_source=price_rate.source,
        rate_fetched_at=price_rate.fetched_at,
        fee_amount=fee,
        due_amount=due,
        created_at=now,
    )


def quote_for(*, invoice: Invoice, asset: Asset, now: datetime) -> Quote:
    quote = quotes_for(invoice=invoice, assets=[asset], now=now)[0]
    if isinstance(quote, GatewayError):
        raise quote
    return quote


def _next_index(merchant: Merchant, family: str) -> tuple[int, str, str] | None:
    """Take the wallet's next derivation index in one atomic UPDATE … RETURNING, so two
    concurrent requests can never receive the same index (PostgreSQL and SQLite >= 3.35);
    with the wallet's key (and a Monero wallet's sealed view key)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Wallet._meta.db_table} SET next_index = next_index + 1 "
            "WHERE merchant_id = %s AND family = %s "
            "RETURNING next_index - 1, xpub, view_key_sealed",
            [Wallet._meta.get_field("merchant").get_db_prep_value(merchant.pk, connection), family],
        )
        return cursor.fetchone()


def set_next_address(quote: Quote, merchant: Merchant) -> None:
    """Give the quote the next unused address of the merchant's wallet (not saved: the
    caller saves the quote, or inserts it with the invoice)."""
    family = registry.network(quote.network).family
    taken = _next_index(merchant, family)
    if taken is None:
        raise GatewayError(ErrorCode.NO_WALLET, "pay_currency", family=family)
    index, xpub, view_key_sealed = taken
    # Forwarder mode (issue 28): the index is the CREATE2 salt instead of an HD path.
    forwarded = forwarder_address(merchant=merchant, network=quote.network, index=index)
    wallet = Wallet(family=family, xpub=xpub, view_key_sealed=view_key_sealed)
    quote.address = forwarded or wallet_addresses(wallet, index, 1)[0]
    quote.derivation_index = index


def release_address(quote: Quote, merchant: Merchant) -> None:
    """Give back the index `set_next_address` took for `quote`, whose address was refused
    (another store's invoice has it: address_in_use): a refusal writes nothing, in the
    caller's transaction too (the API's, which commits to keep the refusal for the
    Idempotency-Key). The claim keeps the wallet's row locked until that transaction ends,
    so the counter is still one past the index."""
    if quote.derivation_index is None:  # none was taken
        return
    Wallet.objects.filter(
        merchant=merchant,
        family=registry.network(quote.network).family,
        next_index=quote.derivation_index + 1,
    ).update(next_index=quote.derivation_index)


def check_address_free(quote: Quote) -> None:
    """address_in_use when the quote's new address is already another invoice's (a wallet
    two stores were given: set_wallet refuses that now, one shared before still can), so
    saving it is never the database's refusal of one_invoice_per_address, a 500."""
    if Quote.objects.filter(network=quote.network, address=quote.address).exists():
        raise GatewayError(ErrorCode.ADDRESS_IN_USE, "pay_currency")
