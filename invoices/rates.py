"""Exchange rates: fetched from providers in fallback order, stored one row per pair, and
read back directly, inverted, or crossed through USD when an invoice is quoted.

Money never touches float: provider JSON is parsed with `parse_float=Decimal` and rates are
stored as plain decimal strings ("60000.1", never "6.00001E+4").
"""

from __future__ import annotations

import abc
import json
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation, localcontext

import requests
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from chains.registry import all_networks
from invoices.models import RATE_VALUE_LENGTH, Rate

logger = logging.getLogger(__name__)

Pair = tuple[str, str]  # (base, quote): units of quote for one base

TIMEOUT = (3, 5)  # (connect, read) seconds: a slow provider must not stall the refresh
USER_AGENT = "cryptogate-rates/0.1 (self-hosted payment gateway)"
CROSS = "USD"  # the currency every other pair is crossed through
SIGNIFICANT_DIGITS = 30  # for computed rates (inverse, cross); far beyond any price's need


@dataclass(frozen=True)
class RateQuote:
    value: Decimal  # units of quote per one base
    source: str
    fetched_at: datetime


class RateError(Exception):
    """A rate cannot be given; the message is shown to API users."""


class UnknownRate(RateError):
    """No provider has this pair."""


class StaleRate(RateError):
    """The newest stored rate is too old to quote with."""


class ProviderError(Exception):
    """A provider could not be reached or answered in a shape we do not understand."""


# --- Decimal helpers -----------------------------------------------------------------------


def _decimal(raw) -> Decimal:
    """A provider's number as a positive finite Decimal. Floats are refused: they would mean
    the JSON was parsed without `parse_float=Decimal`, and the digits are already lost."""
    if isinstance(raw, (bool, float)) or not isinstance(raw, (str, int, Decimal)):
        raise ProviderError(f"rate {raw!r} is not a decimal string or number")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ProviderError(f"rate {raw!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise ProviderError(f"rate {raw!r} is not a positive number")
    return value


def _divide(numerator: Decimal, denominator: Decimal) -> Decimal:
    """numerator / denominator, correctly rounded to SIGNIFICANT_DIGITS (Decimal division
    rounds once, exactly; extra guard digits would risk double rounding), without trailing
    zeros."""
    with localcontext() as ctx:
        ctx.prec = SIGNIFICANT_DIGITS
        quotient = numerator / denominator
    return Decimal(plain(quotient))  # plain digits, so str() never shows an exponent


def plain(value: Decimal) -> str:
    """The decimal string stored in `Rate.value`: no exponent, no trailing zeros."""
    with localcontext() as ctx:
        ctx.prec = max(len(value.as_tuple().digits), 1)  # normalize() must not round
        return format(value.normalize(), "f")


# --- Providers -----------------------------------------------------------------------------


class RateProvider(abc.ABC):
    name: str

    @abc.abstractmethod
    def fetch(self, pairs: list[Pair]) -> dict[Pair, Decimal]:
        """Rates for those of `pairs` the provider has (a subset is fine); raises
        ProviderError on transport or shape errors."""


class StaticProvider(RateProvider):
    """The operator's table (settings.STATIC_RATES): for tests, the sandbox, and as a last
    resort when every market is unreachable."""

    name = "static"

    def fetch(self, pairs):
        table = settings.STATIC_RATES
        return {(b, q): _decimal(table[f"{b}/{q}"]) for b, q in pairs if f"{b}/{q}" in table}


class HttpProvider(RateProvider):
    """One GET per refresh for all pairs; subclasses say what to ask and how to read it."""

    url: str

    def params(self, pairs: list[Pair]) -> dict[str, str] | None:
        """Query parameters, or None when the provider has none of `pairs` (no request)."""
        return {}

    @abc.abstractmethod
    def parse(self, payload, pairs: list[Pair]) -> dict[Pair, Decimal]: ...

    def fetch(self, pairs):
        params = self.params(pairs)
        if params is None:
            return {}
        try:
            response = requests.get(
                self.url,
                params=params,
                timeout=TIMEOUT,
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            )
            response.raise_for_status()
            payload = json.loads(response.text, parse_float=Decimal)
        except (requests.RequestException, ValueError) as exc:
            raise ProviderError(str(exc)) from exc
        try:
            return self.parse(payload, pairs)
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise ProviderError(f"unexpected response shape: {exc!r}") from exc


class KrakenProvider(HttpProvider):
    """Kraken's public ticker, last trade price ("c"[0]).

    Kraken rejects the whole request if one pair is unknown ("EQuery:Unknown asset pair"),
    so only pairs known to be listed are asked for; the rest fall through to the next
    provider. Kraken calls BTC "XBT" and answers with its legacy pair names (XXBTZUSD,
    XETHZEUR, USDTZUSD, XXMRZUSD) or the plain ones (USDCUSD, POLEUR)."""

    name = "kraken"
    url = "https://api.kraken.com/0/public/Ticker"
    ALIASES = {"BTC": "XBT"}
    ASSETS = {"BTC", "ETH", "LTC", "POL", "TRX", "AVAX", "USDT", "USDC", "XMR"}
    FIATS = {"USD", "EUR"}

    def _listed(self, pairs):
        return [(b, q) for b, q in pairs if b in self.ASSETS and q in self.FIATS]

    def _names(self, pair: Pair) -> tuple[str, ...]:
        base, quote = (self.ALIASES.get(code, code) for code in pair)
        return f"{base}{quote}", f"X{base}Z{quote}", f"{base}Z{quote}"

    def params(self, pairs):
        listed = self._listed(pairs)
        return {"pair": ",".join(self._names(p)[0] for p in listed)} if listed else None

    def parse(self, payload, pairs):
        errors = [e for e in payload["error"] if not str(e).startswith("W")]  # W… = warning
        if errors:
            raise ProviderError("; ".join(map(str, errors)))
        result = payload["result"]
        rates = {}
        for pair in self._listed(pairs):
            key = next((name for name in self._names(pair) if name in result), None)
            if key is not None:
                rates[pair] = _decimal(result[key]["c"][0])
        return rates


class CoinbaseProvider(HttpProvider):
    """Coinbase's exchange-rate table for one USD: how many of each currency (crypto and
    fiat) one USD buys. X/USD is 1 ÷ rates[X]; X/EUR is rates[EUR] ÷ rates[X], i.e. crossed
    through Coinbase's own USD/EUR rate — still one request."""

    name = "coinbase"
    url = "https://api.coinbase.com/v2/exchange-rates"
    ANCHOR = "USD"

    def params(self, pairs):
        return {"currency": self.ANCHOR}

    def parse(self, payload, pairs):
        data = payload["data"]
        if data["currency"] != self.ANCHOR:
            raise ProviderError(f"rates are for {data['currency']!r}, not {self.ANCHOR}")
        per_anchor = {code.upper(): raw for code, raw in data["rates"].items()}
        per_anchor[self.ANCHOR] = "1"
        return {
            (b, q): _divide(_decimal(per_anchor[q]), _decimal(per_anchor[b]))
            for b, q in pairs
            if b in per_anchor and q in per_anchor
        }


class CoinGeckoProvider(HttpProvider):
    """CoinGecko's simple price: JSON numbers (not strings), so parse_float=Decimal matters.
    CoinGecko names coins by id, not ticker."""

    name = "coingecko"
    url = "https://api.coingecko.com/api/v3/simple/price"
    IDS = {
        "BTC": "bitcoin",
        "LTC": "litecoin",
        "ETH": "ethereum",
        "BNB": "binancecoin",
        "POL": "polygon-ecosystem-token",
        "AVAX": "avalanche-2",
        "TRX": "tron",
        "XMR": "monero",
        "USDT": "tether",
        "USDC": "usd-coin",
    }

    def params(self, pairs):
        ids = sorted({self.IDS[b] for b, _ in pairs if b in self.IDS})
        quotes = sorted({q.lower() for _, q in pairs})
        if not ids:
            return None
        return {"ids": ",".join(ids), "vs_currencies": ",".join(quotes), "precision": "full"}

    def parse(self, payload, pairs):
        rates = {}
        for base, quote in pairs:
            prices = payload.get(self.IDS.get(base), {})
            if quote.lower() in prices:
                rates[(base, quote)] = _decimal(prices[quote.lower()])
        return rates


class BinanceProvider(HttpProvider):
    """Binance's last prices for every symbol (one request, no unknown-symbol errors).

    Binance has no USD market. USD pairs are APPROXIMATED by the USDT market, assuming
    1 USDT = 1 USD (`USD_PROXY`); USDT/USD itself has no market (no USDTUSDT), so Binance
    never claims it and the next provider supplies it. Other fiats use the direct symbol
    (BTCEUR) or the inverted reverse one (EURUSDT gives USDT/EUR)."""

    name = "binance"
    url = "https://api.binance.com/api/v3/ticker/price"
    USD_PROXY = {"USD": "USDT"}

    def parse(self, payload, pairs):
        prices = {row["symbol"]: row["price"] for row in payload}
        rates = {}
        for base, quote in pairs:
            market = self.USD_PROXY.get(quote, quote)
            if base + market in prices:
                rates[(base, quote)] = _decimal(prices[base + market])
            elif market + base in prices:
                rates[(base, quote)] = _divide(Decimal(1), _decimal(prices[market + base]))
        return rates


PROVIDERS: dict[str, type[RateProvider]] = {
    provider.name: provider
    for provider in (
        StaticProvider,
        KrakenProvider,
        CoinbaseProvider,
        CoinGeckoProvider,
        BinanceProvider,
    )
}


# --- Refresh and lookup --------------------------------------------------------------------


def needed_pairs() -> list[Pair]:
    """Every crypto asset the registry knows, priced in every configured fiat."""
    codes = {asset.code for network in all_networks().values() for asset in network.assets}
    fiats = [fiat.upper() for fiat in settings.RATE_FIATS]
    return [(code, fiat) for code in sorted(codes) for fiat in fiats if code != fiat]


def refresh_rates(now: datetime | None = None) -> dict[str, int]:
    """Fetch every needed pair from the first provider (in RATE_PROVIDERS order) that has
    it, and store it. A failing provider is logged and skipped, never raised: the stored
    rates simply age until a provider answers. Returns how many pairs each source gave."""
    now = now or timezone.now()
    remaining = needed_pairs()
    found: dict[Pair, tuple[str, str]] = {}  # pair: (decimal string, source)
    for name in settings.RATE_PROVIDERS:
        if not remaining:
            break
        provider = PROVIDERS.get(name.strip().lower())
        if provider is None:
            logger.warning("rate provider %r is unknown; skipped", name)
            continue
        try:
            rates = provider().fetch(remaining)
        except ProviderError as exc:
            logger.warning("rate provider %s failed: %s", provider.name, exc)
            continue
        except Exception:  # a provider bug must not stop the other providers
            logger.exception("rate provider %s crashed", provider.name)
            continue
        for pair in (pair for pair in remaining if pair in rates):
            text = plain(rates[pair])
            if len(text) > RATE_VALUE_LENGTH:  # absurd, and would not fit the column
                logger.warning(
                    "rate provider %s: %s/%s rate %s… is out of range",
                    provider.name,
                    *pair,
                    text[:20],
                )
            else:
                found[pair] = (text, provider.name)
        remaining = [pair for pair in remaining if pair not in found]
    if remaining:
        logger.warning("no rate provider has %s", ", ".join(f"{b}/{q}" for b, q in remaining))
    Rate.objects.bulk_create(
        [
            Rate(base=b, quote=q, value=value, source=source, fetched_at=now)
            for (b, q), (value, source) in found.items()
        ],
        update_conflicts=True,
        unique_fields=["base", "quote"],
        update_fields=["value", "source", "fetched_at"],
    )
    return dict(Counter(source for _, source in found.values()))


def _span(seconds: float) -> str:
    """A duration as people say it: "45 seconds", "15 minutes", "3 hours"."""
    seconds = int(seconds)
    for threshold, size, unit in (
        (172800, 86400, "day"),
        (7200, 3600, "hour"),
        (120, 60, "minute"),
        (0, 1, "second"),
    ):
        if seconds >= threshold:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


# Quotes from the first request: a gateway that has just started (or whose worker is not
# running) has no stored rates yet. The static table, when it comes first in RATE_PROVIDERS,
# is read directly (refreshing would store exactly it); otherwise a lookup that finds no
# stored row runs one refresh itself, shared by the threads of this process that need it at
# the same time, and bounded by the providers' timeouts.
_refresh_lock = threading.Lock()
_refreshes_done = 0  # refreshes run by lookups in this process
_last_refresh = float("-inf")  # time.monotonic() of the latest one
LOOKUP_REFRESH_SECONDS = 60  # at most one a minute (the schedule's pace) while rates are missing


def static_first() -> bool:
    """Whether the static table wins every pair it has: it is the first known provider."""
    known = [
        name.strip().lower()
        for name in settings.RATE_PROVIDERS
        if name.strip().lower() in PROVIDERS
    ]
    return bool(known) and known[0] == StaticProvider.name


def _legs(pairs: list[Pair]) -> set[Pair]:
    """The stored pairs that can answer `pairs`: each pair, its reverse, and both legs of
    its cross through USD (each either way round)."""
    legs = set()
    for base, quote in pairs:
        legs |= {(base, quote), (quote, base)}
        if CROSS not in (base, quote):
            legs |= {(base, CROSS), (CROSS, base), (quote, CROSS), (CROSS, quote)}
    return legs


def _rows(legs: set[Pair], now: datetime) -> dict[Pair, Rate]:
    """The rows that can answer, in one query (or none: the static table, fetched `now`)."""
    if static_first():
        table = settings.STATIC_RATES
        return {
            (b, q): Rate(
                base=b, quote=q, value=table[f"{b}/{q}"], source=StaticProvider.name, fetched_at=now
            )
            for b, q in legs
            if f"{b}/{q}" in table
        }
    condition = Q()
    for base, quote in legs:
        condition |= Q(base=base, quote=quote)
    return {(row.base, row.quote): row for row in Rate.objects.filter(condition)}


def _newest(rows: dict[Pair, Rate], base: str, quote: str) -> Rate | None:
    """The newer of the stored base/quote row and its reverse."""
    found = [row for row in (rows.get((base, quote)), rows.get((quote, base))) if row]
    return max(found, key=lambda row: row.fetched_at) if found else None


def _fresh(row: Rate, base: str, now: datetime) -> RateQuote:
    """The row as a quote for `base` (inverted if stored the other way round); StaleRate
    when it is older than RATE_MAX_AGE_SECONDS."""
    age = (now - row.fetched_at).total_seconds()
    max_age = settings.RATE_MAX_AGE_SECONDS
    if age > max_age:
        raise StaleRate(
            f"the {row.base}/{row.quote} rate is {_span(age)} old; quotes need "
            f"a rate fetched within {_span(max_age)}"
        )
    value = Decimal(row.value)
    if row.base != base:
        value = _divide(Decimal(1), value)
    return RateQuote(value, row.source, row.fetched_at)


def _answer(rows: dict[Pair, Rate], base: str, quote: str, now: datetime) -> RateQuote:
    """Identity, the stored pair, its inverse, or crossed through USD (USDT/BTC = USDT/USD ÷
    BTC/USD, as old as its older leg)."""
    if base == quote:
        return RateQuote(Decimal(1), "identity", now)
    if (row := _newest(rows, base, quote)) is not None:
        return _fresh(row, base, now)
    if CROSS not in (base, quote):
        base_row, quote_row = _newest(rows, base, CROSS), _newest(rows, quote, CROSS)
        if base_row is not None and quote_row is not None:
            base_leg, quote_leg = _fresh(base_row, base, now), _fresh(quote_row, quote, now)
            sources = dict.fromkeys((base_leg.source, quote_leg.source))  # ordered, unique
            return RateQuote(
                _divide(base_leg.value, quote_leg.value),
                "+".join(sources),
                min(base_leg.fetched_at, quote_leg.fetched_at),
            )
    raise UnknownRate(
        f"no {base}/{quote} rate is available: no configured rate provider has this pair"
    )


def _refresh_once(seen: int) -> None:
    """Refresh now unless another thread did since this one looked (`seen`), or one did less
    than LOOKUP_REFRESH_SECONDS ago: requests that arrive together share one round of
    provider requests, and providers that are down do not slow every request."""
    global _refreshes_done, _last_refresh
    with _refresh_lock:
        if _refreshes_done == seen and time.monotonic() - _last_refresh >= LOOKUP_REFRESH_SECONDS:
            _last_refresh = time.monotonic()
            refresh_rates()
            _refreshes_done += 1


def _fetchable(pair: Pair, wanted: set[Pair]) -> bool:
    """Whether a refresh could answer the pair: it fetches `wanted` (needed_pairs)."""
    base, quote = pair
    have = wanted | {(q, b) for b, q in wanted}
    return bool({pair, (quote, base)} & have) or {(base, CROSS), (quote, CROSS)} <= have


def get_rates(pairs: list[Pair], now: datetime | None = None) -> dict[Pair, RateQuote | RateError]:
    """Each pair's rate (units of quote for one base) or the RateError saying why there is
    none, read in one query. A pair no stored row can answer triggers one synchronous
    refresh before it is refused; a stale one is refused at once (the refresh schedule, not
    the request, keeps rates fresh)."""
    now = now or timezone.now()
    pairs = [(base.upper(), quote.upper()) for base, quote in pairs]

    def answers(rows):
        result = {}
        for base, quote in pairs:
            try:
                result[(base, quote)] = _answer(rows, base, quote, now)
            except RateError as exc:
                result[(base, quote)] = exc
        return result

    seen = _refreshes_done
    result = answers(_rows(_legs(pairs), now))
    missing = [pair for pair, answer in result.items() if isinstance(answer, UnknownRate)]
    if (
        missing
        and not static_first()
        and any(_fetchable(pair, set(needed_pairs())) for pair in missing)
    ):
        _refresh_once(seen)
        result = answers(_rows(_legs(pairs), timezone.now()))
    return result


def get_rate(base: str, quote: str, now: datetime | None = None) -> RateQuote:
    """Units of `quote` for one `base`; RateError (the message names the pair) if none."""
    answer = next(iter(get_rates([(base, quote)], now).values()))
    if isinstance(answer, RateError):
        raise answer
    return answer
