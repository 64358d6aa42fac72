"""How an exact amount reads on every page and e-mail: the checkout's, the dashboard's and
the team's notifications."""

from __future__ import annotations


def display_amount(units: int, decimals: int) -> str:
    """Exact, without trailing zeros beyond two places: "100.00", "0.00166667"; the string
    the copy button copies, so it must stay a plain decimal whatever the language."""
    whole, fraction = divmod(units, 10**decimals)
    digits = str(fraction).rjust(decimals, "0").rstrip("0") if decimals else ""
    digits = digits.ljust(min(2, decimals), "0")
    return f"{whole}.{digits}" if digits else str(whole)


def short_amount(text: str | None) -> str | None:
    """An exact decimal string without trailing zeros beyond two places, as the checkout
    shows amounts: "10.000000" -> "10.00", "0.00041670" -> "0.0004167"."""
    if not text or "." not in text:
        return text
    whole, fraction = text.split(".")
    return f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"
