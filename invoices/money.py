"""The one place where decimal strings and integer base units meet.

Inside the gateway an amount is an `int` of base units beside its asset; it becomes a
decimal string only at the edges (API, pages, callbacks), through these helpers.
"""

import re

from django.utils.translation import gettext as _

from chains import registry
from core.errors import ErrorCode, GatewayError

# ISO 4217 minor units of the fiat currencies a price may be given in.
FIAT_DECIMALS = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "CHF": 2,
    "CAD": 2,
    "AUD": 2,
    "NZD": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "HUF": 2,
    "RON": 2,
    "TRY": 2,
    "BRL": 2,
    "MXN": 2,
    "ARS": 2,
    "INR": 2,
    "CNY": 2,
    "HKD": 2,
    "SGD": 2,
    "ZAR": 2,
    "AED": 2,
    "ILS": 2,
    "THB": 2,
    "PHP": 2,
    "UAH": 2,
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "KWD": 3,
    "BHD": 3,
}
# What an amount may look like, wherever one is typed or sent: ASCII digits with an optional
# decimal point between digits. No sign, exponent, "_", whitespace or other digit script
# (Decimal() and int() read "١٢", "２５", "1_000", "+25", " 25 " as numbers).
AMOUNT_PATTERN = r"^[0-9]+(\.[0-9]+)?$"
_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # with fullmatch: "$" would allow a "\n"
# The per-currency maximum: below 10**15 of the currency's whole units (999999999999999.99
# USD, 999999999999999 JPY). Far above any real price in any currency (the whole world's
# yearly output is about 10**14 USD; the largest token supplies are below 10**15), yet
# absurd prices are refused, and at most 15 + 18 digits of base units can never come near
# NUMERIC(78, 0), even once converted into an asset worth a millionth of a cent.
MAX_WHOLE_DIGITS = 15
MAX_DECIMALS = 18  # the most any asset has (ETH and its tokens); amounts carry no more
AMOUNT_MAX_LENGTH = MAX_WHOLE_DIGITS + 1 + MAX_DECIMALS


def price_decimals(currency: str) -> int | None:
    """Decimals of a price currency: ISO 4217 for fiat; for a crypto asset, the fewest
    decimals it has on any network, so the price is payable exactly everywhere."""
    currency = currency.upper()
    if currency in FIAT_DECIMALS:
        return FIAT_DECIMALS[currency]
    decimals = [asset.decimals for asset in registry.find_assets(currency)]
    return min(decimals) if decimals else None


def stored_price_decimals(currency: str) -> int:
    """price_decimals of a currency the gateway already took (an invoice's price): one it
    no longer knows is a removed network's asset, so it raises rather than return None."""
    decimals = price_decimals(currency)
    if decimals is None:
        raise ValueError(f"unknown price currency {currency!r}")
    return decimals


def largest(decimals: int) -> str:
    """The largest amount a currency with these decimals takes."""
    return format_units(10 ** (MAX_WHOLE_DIGITS + decimals) - 1, decimals)


def to_units(amount: str, decimals: int) -> int:
    """The one parser of amounts (API, dashboard, payment links): a string matching
    AMOUNT_PATTERN, greater than 0, with at most `decimals` places and below the maximum,
    into base units; a GatewayError (invalid_amount, too_precise, amount_too_large)
    otherwise."""
    if not isinstance(amount, str):
        raise GatewayError(ErrorCode.INVALID_AMOUNT)
    if not _AMOUNT.fullmatch(amount):
        raise GatewayError(
            ErrorCode.INVALID_AMOUNT,
            message=_('%(amount)s is not an amount: digits and a decimal point, such as "10.50"'),
            amount=repr(amount[:AMOUNT_MAX_LENGTH]),
        )
    whole, _point, fraction = amount.partition(".")
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS:
        raise GatewayError(
            ErrorCode.AMOUNT_TOO_LARGE,
            message=_("the amount is too large: at most %(largest)s"),
            largest=largest(decimals),
        )
    fraction = fraction.rstrip("0")
    if len(fraction) > decimals:
        raise GatewayError(ErrorCode.TOO_PRECISE, decimals=decimals)
    if len(amount) > AMOUNT_MAX_LENGTH:  # padded with zeros: the schema's maxLength holds
        raise GatewayError(
            ErrorCode.INVALID_AMOUNT,
            message=_("an amount has at most %(length)s characters"),
            length=AMOUNT_MAX_LENGTH,
        )
    units = int(whole) * 10**decimals + int(fraction.ljust(decimals, "0") or "0")
    if units == 0:
        raise GatewayError(ErrorCode.INVALID_AMOUNT, message=_("the amount must be greater than 0"))
    return units


def tolerance_to_units(amount: str, decimals: int) -> int:
    """An underpayment tolerance: an amount as `to_units` reads it, or zero ("0", "0.00":
    none), which an amount due may never be."""
    if isinstance(amount, str) and _AMOUNT.fullmatch(amount) and not amount.strip("0."):
        return 0
    return to_units(amount, decimals)


def format_units(units: int, decimals: int) -> str:
    """Base units as a plain decimal string with exactly `decimals` places."""
    sign = "-" if units < 0 else ""
    digits = str(abs(units)).rjust(decimals + 1, "0")
    if not decimals:
        return sign + digits
    return f"{sign}{digits[:-decimals]}.{digits[-decimals:]}"
