"""The one place where decimal strings and integer base units meet.

Inside the gateway an amount is an `int` of base units beside its asset; it becomes a
decimal string only at the edges (API, pages, callbacks), through these helpers.
"""

from decimal import Decimal, InvalidOperation, localcontext

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
MAX_UNITS = 10**60  # far above any real price; keeps amounts inside NUMERIC(78, 0)


def price_decimals(currency: str) -> int | None:
    """Decimals of a price currency: ISO 4217 for fiat; for a crypto asset, the fewest
    decimals it has on any network, so the price is payable exactly everywhere."""
    currency = currency.upper()
    if currency in FIAT_DECIMALS:
        return FIAT_DECIMALS[currency]
    decimals = [asset.decimals for asset in registry.find_assets(currency)]
    return min(decimals) if decimals else None


def to_units(amount: str, decimals: int) -> int:
    """Parse a positive decimal string into base units, refusing what it cannot hold (a
    GatewayError: invalid_amount, too_precise, amount_too_large)."""
    if not isinstance(amount, str):
        raise GatewayError(ErrorCode.INVALID_AMOUNT)
    text = amount.strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or "e" in text.lower():
        raise GatewayError(
            ErrorCode.INVALID_AMOUNT,
            message=_("%(amount)s is not a decimal number"),
            amount=repr(amount),
        )
    if value <= 0:
        raise GatewayError(ErrorCode.INVALID_AMOUNT, message=_("the amount must be greater than 0"))
    with localcontext(prec=len(text) + decimals + 2):  # exact: never rounds to 28 digits
        units = value.scaleb(decimals)
    if units != units.to_integral_value():
        raise GatewayError(ErrorCode.TOO_PRECISE, decimals=decimals)
    units = int(units)
    if units >= MAX_UNITS:
        raise GatewayError(ErrorCode.AMOUNT_TOO_LARGE)
    return units


def format_units(units: int, decimals: int) -> str:
    """Base units as a plain decimal string with exactly `decimals` places."""
    sign = "-" if units < 0 else ""
    digits = str(abs(units)).rjust(decimals + 1, "0")
    if not decimals:
        return sign + digits
    return f"{sign}{digits[:-decimals]}.{digits[-decimals:]}"
