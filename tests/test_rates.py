"""Rates: each provider read from a recorded response in its documented public shape, the
fallback between providers, what refresh stores, and how get_rate answers from storage."""

import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import requests
import responses
from hypothesis import given
from hypothesis import strategies as st
from responses import matchers

from invoices import rates
from invoices.models import Rate
from invoices.rates import (
    BinanceProvider,
    CoinbaseProvider,
    CoinGeckoProvider,
    KrakenProvider,
    ProviderError,
    RateQuote,
    StaleRate,
    StaticProvider,
    UnknownRate,
    get_rate,
    needed_pairs,
    refresh_rates,
)

RECORDED = Path(__file__).parent / "recorded" / "rates"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ASSETS = ["BNB", "BTC", "ETH", "LTC", "POL", "TRX", "USDC", "USDT", "XMR"]
PAIRS = [(asset, fiat) for asset in ASSETS for fiat in ("USD", "EUR")]  # the recorded answers
# Every native coin and token of the registry: the recorded answers' and Avalanche's AVAX.
NEEDED_ASSETS = ["AVAX", *ASSETS]
NEEDED = [(asset, fiat) for asset in NEEDED_ASSETS for fiat in ("USD", "EUR")]

KRAKEN_URL = "https://api.kraken.com/0/public/Ticker"
COINBASE_URL = "https://api.coinbase.com/v2/exchange-rates"
COINGECKO_URL = "https://api.coingecko.com/api/v3/simple/price"
BINANCE_URL = "https://api.binance.com/api/v3/ticker/price"


def recorded(name: str) -> str:
    return (RECORDED / name).read_text()


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch):
    """Each test starts as a process that has not refreshed on a lookup yet."""
    monkeypatch.setattr(rates, "_last_refresh", float("-inf"))


@pytest.fixture(autouse=True)
def rate_settings(settings):
    settings.RATE_FIATS = ["USD", "EUR"]
    settings.RATE_MAX_AGE_SECONDS = 600
    settings.RATE_PROVIDERS = ["static"]
    return settings


@pytest.fixture
def http():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def serve(http, url, name, status=200):
    http.add(
        responses.GET, url, body=recorded(name), status=status, content_type="application/json"
    )


def store(base, quote, value, *, age=0, source="static"):
    return Rate.objects.create(
        base=base, quote=quote, value=value, source=source, fetched_at=NOW - timedelta(seconds=age)
    )


# --- needed pairs ----------------------------------------------------------------------------


def test_needed_pairs_are_every_registry_asset_in_every_fiat(settings):
    assert sorted(needed_pairs()) == sorted(NEEDED)
    settings.RATE_FIATS = ["gbp"]
    assert sorted(needed_pairs()) == sorted((asset, "GBP") for asset in NEEDED_ASSETS)


# --- providers, one at a time ----------------------------------------------------------------


def test_static_provider_gives_the_configured_pairs_only(settings):
    settings.STATIC_RATES = {"BTC/USD": "60000.50", "USDT/EUR": "0.92"}
    assert StaticProvider().fetch([("BTC", "USD"), ("BTC", "EUR"), ("USDT", "EUR")]) == {
        ("BTC", "USD"): Decimal("60000.50"),
        ("USDT", "EUR"): Decimal("0.92"),
    }


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "NaN", "Infinity", 60000.5])
def test_static_provider_refuses_values_that_are_not_positive_decimals(settings, bad):
    settings.STATIC_RATES = {"BTC/USD": bad}
    with pytest.raises(ProviderError):
        StaticProvider().fetch([("BTC", "USD")])


def test_kraken_reads_last_trade_and_its_pair_aliases(http):
    serve(http, KRAKEN_URL, "kraken_ticker.json")
    got = KrakenProvider().fetch(PAIRS)

    # BNB is not asked for (an unknown pair would fail Kraken's whole answer).
    assert set(got) == set(PAIRS) - {("BNB", "USD"), ("BNB", "EUR")}
    assert got[("BTC", "USD")] == Decimal("60012.10000")  # XXBTZUSD, "c"[0], not ask/bid
    assert got[("ETH", "EUR")] == Decimal("2760.50000")  # XETHZEUR
    assert got[("USDT", "USD")] == Decimal("0.99985000")  # USDTZUSD
    assert got[("USDC", "USD")] == Decimal("0.99995000")  # USDCUSD
    assert got[("POL", "EUR")] == Decimal("0.460100")
    assert got[("XMR", "USD")] == Decimal("160.20000000")  # XXMRZUSD
    assert all(type(value) is Decimal for value in got.values())

    request = http.calls[0].request
    assert len(http.calls) == 1
    asked = request.params["pair"].split(",")
    assert "XBTUSD" in asked and "XBTEUR" in asked and "BTCUSD" not in asked
    assert not any(name.startswith("BNB") for name in asked)
    assert len(asked) == 16 and "XMRUSD" in asked
    assert request.headers["User-Agent"].startswith("cryptogate")
    assert request.req_kwargs["timeout"] == (3, 5)


def test_kraken_error_list_fails_the_provider_but_warnings_do_not(http):
    serve(http, KRAKEN_URL, "kraken_unknown_pair.json")
    with pytest.raises(ProviderError, match="EQuery:Unknown asset pair"):
        KrakenProvider().fetch(PAIRS)

    http.add(
        responses.GET,
        KRAKEN_URL,
        json={"error": ["WGeneral:Degraded"], "result": {"XXBTZUSD": {"c": ["61000.1", "1"]}}},
    )
    assert KrakenProvider().fetch([("BTC", "USD")]) == {("BTC", "USD"): Decimal("61000.1")}


def test_kraken_sends_nothing_when_it_lists_none_of_the_pairs(http):
    assert KrakenProvider().fetch([("BNB", "USD"), ("BTC", "JPY")]) == {}
    assert len(http.calls) == 0


def test_coinbase_inverts_crypto_per_usd_exactly(http):
    http.add(
        responses.GET,
        COINBASE_URL,
        body=recorded("coinbase_exchange_rates_usd.json"),
        match=[matchers.query_param_matcher({"currency": "USD"})],
    )
    got = CoinbaseProvider().fetch(PAIRS + [("BTC", "GBP"), ("DOGE", "USD")])

    # DOGE is not in the table; nor is XMR (Coinbase does not list Monero).
    assert set(got) == set(PAIRS) - {("XMR", "USD"), ("XMR", "EUR")} | {("BTC", "GBP")}
    assert got[("BTC", "USD")] == Decimal("60240.9638554216867469879518072")  # 1/0.0000166
    assert got[("BTC", "EUR")] == Decimal("55421.6867469879518072289156627")  # 0.92/0.0000166
    assert got[("USDT", "EUR")] == Decimal("0.919908009199080091990800919908")
    assert got[("ETH", "USD")] == Decimal("3003.003003003003003003003003")
    assert got[("BNB", "USD")] == Decimal("625")
    assert str(got[("BNB", "EUR")]) == "575"  # plain digits, not 5.75E+2
    assert got[("USDC", "USD")] == Decimal(1)
    assert len(http.calls) == 1


def test_coinbase_rates_for_another_currency_are_refused(http):
    http.add(
        responses.GET, COINBASE_URL, json={"data": {"currency": "BTC", "rates": {"USD": "60000"}}}
    )
    with pytest.raises(ProviderError, match="not USD"):
        CoinbaseProvider().fetch([("BTC", "USD")])


def test_coingecko_numbers_are_read_as_decimals_not_floats(http):
    serve(http, COINGECKO_URL, "coingecko_simple_price.json")
    got = CoinGeckoProvider().fetch(PAIRS)

    assert set(got) == set(PAIRS)
    # A float would have kept only ~17 digits: 60000.12345678901.
    assert got[("BTC", "USD")] == Decimal("60000.123456789012345")
    assert str(got[("POL", "USD")]) == "0.1"
    assert got[("TRX", "EUR")] == Decimal("0.1841")  # sent as 1.841e-1
    assert got[("ETH", "EUR")] == Decimal(2760)  # sent as an integer
    assert got[("BNB", "USD")] == Decimal("600.2")
    assert got[("XMR", "USD")] == Decimal("160.123456789012")

    params = http.calls[0].request.params
    assert params["ids"].split(",") == sorted(
        [
            "binancecoin",
            "bitcoin",
            "ethereum",
            "litecoin",
            "polygon-ecosystem-token",
            "tether",
            "tron",
            "usd-coin",
            "monero",
        ]
    )
    assert params["vs_currencies"] == "eur,usd"
    assert params["precision"] == "full"  # else CoinGecko rounds to a few decimals


def test_binance_uses_usdt_markets_for_usd_and_inverts_reverse_symbols(http):
    serve(http, BINANCE_URL, "binance_ticker_price.json")
    got = BinanceProvider().fetch(PAIRS)

    # USDT/USD would only be the 1 USDT = 1 USD assumption; POL has no EUR market here.
    # XMR: Binance delisted Monero (2024), so the next provider gives it.
    assert set(got) == set(PAIRS) - {
        ("USDT", "USD"),
        ("POL", "EUR"),
        ("XMR", "USD"),
        ("XMR", "EUR"),
    }
    assert got[("BTC", "USD")] == Decimal("60005.01")  # BTCUSDT
    assert got[("BTC", "EUR")] == Decimal("55005")  # BTCEUR
    assert got[("USDC", "USD")] == Decimal("1.0001")  # USDCUSDT
    assert got[("USDT", "EUR")] == Decimal("0.925925925925925925925925925926")  # 1/EURUSDT
    assert got[("USDC", "EUR")] == Decimal("0.92678405931417979610750695088")  # 1/EURUSDC


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "body": "{}"},
        {"status": 429, "body": '{"status": {"error_code": 429}}'},
        {"body": requests.exceptions.ConnectTimeout("connect timed out")},
        {"body": requests.exceptions.ReadTimeout("read timed out")},
        {"body": requests.exceptions.ConnectionError("connection refused")},
        {"status": 200, "body": "<html>maintenance</html>"},
    ],
)
@pytest.mark.parametrize(
    "provider,url",
    [
        (KrakenProvider, KRAKEN_URL),
        (CoinbaseProvider, COINBASE_URL),
        (CoinGeckoProvider, COINGECKO_URL),
        (BinanceProvider, BINANCE_URL),
    ],
)
def test_transport_failures_are_provider_errors(http, provider, url, failure):
    http.add(responses.GET, url, **failure)
    with pytest.raises(ProviderError):
        provider().fetch(PAIRS)


@pytest.mark.parametrize(
    "provider,url,payload",
    [
        (KrakenProvider, KRAKEN_URL, {"result": {}}),
        (KrakenProvider, KRAKEN_URL, {"error": [], "result": {"XXBTZUSD": {"c": []}}}),
        (KrakenProvider, KRAKEN_URL, {"error": [], "result": {"XXBTZUSD": {"c": ["0", "1"]}}}),
        (CoinbaseProvider, COINBASE_URL, {"rates": {"BTC": "0.0000166"}}),
        (CoinbaseProvider, COINBASE_URL, {"data": {"currency": "USD", "rates": {"BTC": "0"}}}),
        (CoinGeckoProvider, COINGECKO_URL, [{"bitcoin": 60000}]),
        (CoinGeckoProvider, COINGECKO_URL, {"bitcoin": {"usd": "a lot"}}),
        (BinanceProvider, BINANCE_URL, {"code": -1003, "msg": "Too many requests"}),
        (BinanceProvider, BINANCE_URL, [{"symbol": "BTCUSDT"}]),
    ],
)
def test_unexpected_shapes_are_provider_errors(http, provider, url, payload):
    http.add(responses.GET, url, json=payload)
    with pytest.raises(ProviderError):
        provider().fetch(PAIRS)


# --- refresh ---------------------------------------------------------------------------------


def stored() -> dict[tuple[str, str], tuple[str, str]]:
    return {(r.base, r.quote): (r.value, r.source) for r in Rate.objects.all()}


def test_refresh_with_static_stores_every_needed_pair(db):
    assert refresh_rates(now=NOW) == {"static": len(NEEDED)}
    rows = stored()
    assert set(rows) == set(NEEDED)
    assert rows[("BTC", "USD")] == ("60000", "static")  # not "6E+4"
    assert rows[("TRX", "EUR")] == ("0.184", "static")
    assert set(Rate.objects.values_list("fetched_at", flat=True)) == {NOW}


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "body": "Internal Server Error"},
        {"body": requests.exceptions.ReadTimeout("read timed out")},
        {"body": requests.exceptions.ConnectTimeout("connect timed out")},
        {"status": 200, "body": recorded("kraken_unknown_pair.json")},
    ],
)
def test_refresh_falls_back_when_the_first_provider_fails(db, http, rate_settings, caplog, failure):
    rate_settings.RATE_PROVIDERS = ["kraken", "coingecko"]
    http.add(responses.GET, KRAKEN_URL, **failure)
    serve(http, COINGECKO_URL, "coingecko_simple_price.json")

    with caplog.at_level(logging.WARNING, logger="invoices.rates"):
        assert refresh_rates(now=NOW) == {"coingecko": 18}
    assert {source for _, source in stored().values()} == {"coingecko"}
    assert stored()[("BTC", "USD")] == ("60000.123456789012345", "coingecko")
    assert any("kraken failed" in record.getMessage() for record in caplog.records)


def test_refresh_takes_pairs_missing_from_the_first_provider_from_the_next(db, http, rate_settings):
    rate_settings.RATE_PROVIDERS = ["kraken", "coingecko"]
    serve(http, KRAKEN_URL, "kraken_ticker.json")
    serve(http, COINGECKO_URL, "coingecko_simple_price.json")

    assert refresh_rates(now=NOW) == {"kraken": 16, "coingecko": 2}  # its answer has no AVAX
    rows = stored()
    assert rows[("BTC", "USD")] == ("60012.1", "kraken")
    assert rows[("BNB", "USD")] == ("600.2", "coingecko")
    assert rows[("BNB", "EUR")] == ("552.1", "coingecko")
    # The second provider is asked only for what is still missing.
    assert http.calls[1].request.params["ids"] == "avalanche-2,binancecoin"


def test_refresh_stops_asking_once_every_pair_is_found(db, http, rate_settings, monkeypatch):
    asked = []
    monkeypatch.setattr(StaticProvider, "fetch", lambda self, pairs: asked.append(pairs) or {})
    rate_settings.RATE_PROVIDERS = ["coingecko", "static"]
    serve(http, COINGECKO_URL, "coingecko_simple_price.json")
    assert refresh_rates(now=NOW) == {"coingecko": 18}
    assert asked == [[("AVAX", "USD"), ("AVAX", "EUR")]]  # only what the recorded answer lacks


def test_refresh_stores_plain_decimal_strings_without_float_artifacts(db, http, rate_settings):
    rate_settings.RATE_PROVIDERS = ["coingecko"]
    serve(http, COINGECKO_URL, "coingecko_simple_price.json")
    refresh_rates(now=NOW)

    values = {pair: value for pair, (value, _) in stored().items()}
    assert values[("POL", "USD")] == "0.1"
    assert values[("BTC", "USD")] == "60000.123456789012345"
    assert values[("USDT", "USD")] == "1"  # sent as 1.0
    assert values[("TRX", "EUR")] == "0.1841"  # sent as 1.841e-1
    assert values[("ETH", "EUR")] == "2760"
    assert all("e" not in value.lower() for value in values.values())


def test_refresh_with_coinbase_stores_the_exact_inverse(db, http, rate_settings):
    rate_settings.RATE_PROVIDERS = ["coinbase"]
    serve(http, COINBASE_URL, "coinbase_exchange_rates_usd.json")
    assert refresh_rates(now=NOW) == {"coinbase": 16}
    assert stored()[("BTC", "USD")] == ("60240.9638554216867469879518072", "coinbase")
    assert stored()[("POL", "EUR")] == ("0.46", "coinbase")


def test_refresh_updates_existing_rows(db, rate_settings):
    store("BTC", "USD", "1", age=3600, source="kraken")
    refresh_rates(now=NOW)
    row = Rate.objects.get(base="BTC", quote="USD")
    assert (row.value, row.source, row.fetched_at) == ("60000", "static", NOW)
    assert Rate.objects.count() == len(NEEDED)


def test_refresh_never_raises_when_every_provider_fails(db, http, rate_settings, caplog):
    rate_settings.RATE_PROVIDERS = ["nosuch", "kraken", "binance"]
    http.add(responses.GET, KRAKEN_URL, status=503)
    http.add(responses.GET, BINANCE_URL, body=requests.exceptions.ConnectionError("down"))
    store("BTC", "USD", "59000", age=60, source="kraken")

    with caplog.at_level(logging.WARNING, logger="invoices.rates"):
        assert refresh_rates(now=NOW) == {}
    assert stored() == {("BTC", "USD"): ("59000", "kraken")}  # untouched, left to age
    messages = [record.getMessage() for record in caplog.records]
    assert any("'nosuch' is unknown" in m for m in messages)
    assert any("binance failed" in m for m in messages)
    assert any("no rate provider has" in m and "BTC/USD" in m for m in messages)


def test_refresh_skips_a_rate_too_long_to_store(db, rate_settings, caplog):
    rate_settings.STATIC_RATES = {"BTC/USD": "1e-70", "BTC/EUR": "55000"}
    rate_settings.RATE_PROVIDERS = ["static"]
    with caplog.at_level(logging.WARNING, logger="invoices.rates"):
        assert refresh_rates(now=NOW) == {"static": 1}
    assert set(stored()) == {("BTC", "EUR")}
    assert any(
        "BTC/USD rate" in r.getMessage() and "out of range" in r.getMessage()
        for r in caplog.records
    )


def test_refresh_survives_a_provider_that_crashes(db, rate_settings, monkeypatch):
    def crash(self, pairs):
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(BinanceProvider, "fetch", crash)
    rate_settings.RATE_PROVIDERS = ["binance", "static"]
    assert refresh_rates(now=NOW) == {"static": len(NEEDED)}


# --- get_rate --------------------------------------------------------------------------------


@pytest.fixture
def from_storage(rate_settings):
    """get_rate reading stored rows: an HTTP provider comes first and is unreachable (no
    response registered), so a missing pair's one synchronous refresh finds nothing."""
    rate_settings.RATE_PROVIDERS = ["kraken"]
    with responses.RequestsMock(assert_all_requests_are_fired=False):
        yield


def test_identity_needs_no_stored_rate(db, from_storage):
    assert get_rate("usdt", "USDT", now=NOW) == RateQuote(Decimal(1), "identity", NOW)


def test_direct_rate(db, from_storage):
    store("BTC", "USD", "60000.5", age=30, source="kraken")
    assert get_rate("btc", "usd", now=NOW) == RateQuote(
        Decimal("60000.5"), "kraken", NOW - timedelta(seconds=30)
    )


def test_inverse_rate_is_exact_to_30_significant_digits(db, from_storage):
    store("BTC", "USD", "60000", age=30)
    quote = get_rate("USD", "BTC", now=NOW)
    assert str(quote.value) == "0.0000166666666666666666666666666667"
    assert (quote.source, quote.fetched_at) == ("static", NOW - timedelta(seconds=30))


def test_cross_rate_through_usd_is_as_old_as_its_older_leg(db, from_storage):
    store("USDT", "USD", "1.0001", age=100, source="kraken")
    store("BTC", "USD", "60000", age=400, source="coingecko")
    store("ETH", "USD", "3000", age=50, source="coingecko")

    # Price in BTC, pay in USDT: BTC per USDT = USDT/USD ÷ BTC/USD.
    quote = get_rate("USDT", "BTC", now=NOW)
    assert str(quote.value) == "0.0000166683333333333333333333333333"
    assert quote.source == "kraken+coingecko"
    assert quote.fetched_at == NOW - timedelta(seconds=400)

    same_source = get_rate("BTC", "ETH", now=NOW)
    assert (str(same_source.value), same_source.source) == ("20", "coingecko")


def test_stale_rate_is_refused_with_its_age(db, from_storage):
    store("BTC", "USD", "60000", age=15 * 60)
    with pytest.raises(StaleRate) as error:
        get_rate("BTC", "USD", now=NOW)
    assert str(error.value) == (
        "the BTC/USD rate is 15 minutes old; quotes need a rate fetched within 10 minutes"
    )
    with pytest.raises(StaleRate):
        get_rate("USD", "BTC", now=NOW)


def test_a_rate_exactly_at_the_limit_is_still_fresh(db, rate_settings, from_storage):
    store("BTC", "USD", "60000", age=600)
    assert get_rate("BTC", "USD", now=NOW).value == Decimal(60000)
    with pytest.raises(StaleRate):
        get_rate("BTC", "USD", now=NOW + timedelta(seconds=1))


def test_a_stale_leg_refuses_the_cross_rate_and_is_named(db, from_storage):
    store("USDT", "USD", "1", age=10)
    store("BTC", "USD", "60000", age=3 * 3600)
    with pytest.raises(StaleRate, match="the BTC/USD rate is 3 hours old"):
        get_rate("USDT", "BTC", now=NOW)


def test_the_newest_of_a_pair_and_its_reverse_is_used(db, from_storage):
    store("BTC", "USD", "50000", age=3600)
    store("USD", "BTC", "0.00002", age=10, source="manual")
    quote = get_rate("BTC", "USD", now=NOW)
    assert (quote.value, quote.source) == (Decimal(50000), "manual")


@pytest.mark.parametrize("base,quote", [("BTC", "GBP"), ("DOGE", "USD"), ("USDT", "BTC")])
def test_unknown_pair(db, from_storage, base, quote):
    store("BTC", "USD", "60000")
    store("BTC", "EUR", "55000")
    with pytest.raises(UnknownRate, match=f"no {base}/{quote} rate"):
        get_rate(base, quote, now=NOW)


def test_get_rate_reads_what_refresh_stored(db, rate_settings, from_storage):
    rate_settings.RATE_PROVIDERS = ["static"]
    refresh_rates(now=NOW)
    rate_settings.RATE_PROVIDERS = ["kraken"]
    assert get_rate("USDT", "EUR", now=NOW + timedelta(minutes=5)).value == Decimal("0.92")
    assert get_rate("ETH", "BTC", now=NOW).value == Decimal("0.05")
    with pytest.raises(StaleRate):
        get_rate("USDT", "EUR", now=NOW + timedelta(minutes=11))


# --- decimal strings -------------------------------------------------------------------------


@given(
    st.decimals(
        min_value=Decimal("1e-20"),
        max_value=Decimal("1e15"),
        allow_nan=False,
        allow_infinity=False,
        places=None,
    )
)
def test_plain_is_exact_and_never_an_exponent(value):
    text = rates.plain(value)
    assert "e" not in text.lower()
    assert Decimal(text) == value
    assert "." not in text or not text.endswith("0")
    assert json.loads(json.dumps(text)) == text


# --- quotes from the first request -----------------------------------------------------------


def test_static_first_answers_from_its_table_with_nothing_stored(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert get_rate("BTC", "USD", now=NOW) == RateQuote(Decimal(60000), "static", NOW)
        assert str(get_rate("USDT", "BTC", now=NOW).value) == "0.0000166666666666666666666666666667"
    assert not Rate.objects.exists()


def test_static_as_a_fallback_does_not_hide_a_stale_stored_rate(db, rate_settings, http):
    rate_settings.RATE_PROVIDERS = ["coinbase", "static"]
    store("BTC", "USD", "60000", age=3600, source="coinbase")
    with pytest.raises(StaleRate, match="the BTC/USD rate is 60 minutes old"):
        get_rate("BTC", "USD", now=NOW)
    assert not http.calls  # stale is refused at once: the schedule keeps rates fresh


def test_a_missing_rate_is_fetched_once_synchronously(db, rate_settings, http):
    rate_settings.RATE_PROVIDERS = ["coinbase"]
    serve(http, COINBASE_URL, "coinbase_exchange_rates_usd.json")
    quote = get_rate("BTC", "USD")
    assert (quote.value, quote.source) == (Decimal("60240.9638554216867469879518072"), "coinbase")
    assert get_rate("ETH", "EUR").source == "coinbase"  # stored by that one refresh
    assert len(http.calls) == 1 and Rate.objects.count() == 16


def test_providers_that_are_down_are_asked_once_a_minute_not_per_request(
    db, rate_settings, http, monkeypatch
):
    rate_settings.RATE_PROVIDERS = ["coinbase"]
    http.add(responses.GET, COINBASE_URL, status=503)
    with pytest.raises(UnknownRate, match="no BTC/USD rate is available"):
        get_rate("BTC", "USD")
    with pytest.raises(UnknownRate):
        get_rate("ETH", "USD")  # refused at once: the providers were just asked
    assert len(http.calls) == 1
    later = rates._last_refresh + rates.LOOKUP_REFRESH_SECONDS
    monkeypatch.setattr(rates.time, "monotonic", lambda: later)
    with pytest.raises(UnknownRate):
        get_rate("BTC", "USD")
    assert len(http.calls) == 2


def test_a_pair_no_refresh_would_fetch_asks_no_provider(db, rate_settings, http):
    rate_settings.RATE_PROVIDERS = ["coinbase"]
    for base, quote in (("BTC", "GBP"), ("DOGE", "USD")):  # GBP is not in RATE_FIATS
        with pytest.raises(UnknownRate, match=f"no {base}/{quote} rate"):
            get_rate(base, quote)
    assert not http.calls


def test_lookups_waiting_together_share_one_refresh(monkeypatch):
    import threading
    import time

    calls = []
    monkeypatch.setattr(rates, "refresh_rates", lambda: calls.append(time.sleep(0.05)))
    seen = rates._refreshes_done
    threads = [threading.Thread(target=rates._refresh_once, args=(seen,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    rates._refresh_once(rates._refreshes_done)  # a later miss, within the minute: no
    assert len(calls) == 1
    later = rates._last_refresh + rates.LOOKUP_REFRESH_SECONDS
    monkeypatch.setattr(rates.time, "monotonic", lambda: later)
    rates._refresh_once(rates._refreshes_done)  # a minute on: again
    assert len(calls) == 2


def test_a_timed_invoice_leaves_out_and_logs_methods_without_a_rate(api, settings, caplog):
    settings.STATIC_RATES = {
        pair: value for pair, value in settings.STATIC_RATES.items() if not pair.startswith("ETH/")
    }
    with caplog.at_level(logging.WARNING, logger="invoices.services.creation"):
        response = api.post(
            "/api/v1/invoices", {"price_amount": "10", "price_currency": "USD"}, format="json"
        )
    assert response.status_code == 201, response.json()
    from invoices.models import Quote

    offered = set(
        Quote.objects.filter(invoice_id=response.json()["id"]).values_list("asset", flat=True)
    )
    assert "ETH" not in offered and "USDT" in offered
    assert "leaves out ETH on sandbox: no ETH/USD rate is available" in caplog.text

    settings.STATIC_RATES = {}
    response = api.post(
        "/api/v1/invoices", {"price_amount": "10", "price_currency": "USD"}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "rate_unavailable"
