"""What a merchant's settings may hold: one set of checks, called by the API's serializer
and by the dashboard's forms, so a setting means the same whichever way it is changed.
The plain fields (name, timers, percentages) are checked by the model's own validators;
these are the rules of the JSON settings and of the callback URL.

Each check returns the value to store or raises Django's `ValidationError` with a code:
a form shows it on its field, and DRF turns it into the API's error shape unchanged."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from chains import registry
from core import egress
from core.errors import ErrorCode, GatewayError
from invoices import money
from invoices.validation import text_problem
from merchants.models import UNRESOLVED_ACTIONS, UNRESOLVED_CONTEXTS


def string_list(value, what: str, max_items: int = 200, max_length: int = 255) -> list[str]:
    """A settings list (deny_list, allowed_return_hosts, enabled_methods…): strings only,
    storable, bounded; each stripped."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError(f"{what} must be a list of strings")
    if len(value) > max_items:
        raise ValidationError(f"{what} has at most {max_items} entries")
    for item in value:
        if len(item) > max_length:
            raise ValidationError(f"{what}: each entry at most {max_length} characters")
        if reason := text_problem(item):
            raise ValidationError(f"{what}: an entry {reason}", code=ErrorCode.INVALID_TEXT)
    return [v.strip() for v in value]


def hosts(value, what: str) -> list[str]:
    """Host names (allowed_return_hosts, embed_hosts), compared without case."""
    return [host.lower() for host in string_list(value, what)]


def enabled_methods(value) -> list:
    """`ASSET:network` keys of the registry's methods."""
    known = {
        asset.method for network in registry.all_networks().values() for asset in network.assets
    }
    for method in string_list(value, "enabled_methods"):
        if method not in known:
            raise ValidationError(
                f"unknown payment method {method!r} (use ASSET:network, e.g. USDT:tron)",
                code=ErrorCode.UNKNOWN_METHOD,
            )
    return value


def confirmations(value) -> dict:
    """{network code: confirmations}, never below the network's safe minimum."""
    if not isinstance(value, dict):
        raise ValidationError("confirmations maps a network to a number")
    for code, count in value.items():
        network = registry.get_network(code)
        if network is None:
            raise ValidationError(f"unknown network {code!r}", code=ErrorCode.UNKNOWN_NETWORK)
        if isinstance(count, bool) or not isinstance(count, int) or count > 1000:
            raise ValidationError(f"{code}: a whole number of confirmations")
        if count < network.min_confirmations:
            raise ValidationError(
                f"{code} needs at least {network.min_confirmations} confirmations",
                code=ErrorCode.BELOW_SAFE_MINIMUM,
            )
    return value


def underpayment_tolerance(value) -> dict[str, int]:
    """{price currency: decimal string} (e.g. {"USD": "1.00"}) into {CURRENCY: base units}
    as stored; a zero drops the currency. Each amount is read by `money` like any price
    (a string, no sign, at most the currency's decimals), so the refusals are the same."""
    if not isinstance(value, dict):
        raise ValidationError(
            'underpayment_tolerance maps a price currency to an amount, e.g. {"USD": "1.00"}'
        )
    found = {}
    for currency, amount in value.items():
        code = currency.upper() if isinstance(currency, str) else ""
        decimals = money.price_decimals(code) if code else None
        if decimals is None:
            raise ValidationError(f"unknown currency {currency!r}", code=ErrorCode.UNKNOWN_CURRENCY)
        try:
            units = money.tolerance_to_units(amount, decimals)
        except GatewayError as exc:
            raise ValidationError(f"{code}: {exc.message}", code=exc.code) from None
        if units:
            found[code] = units
    return found


def unresolved_rules(value, current: dict | None) -> dict:
    """{context: action}; the contexts not named keep their `current` rule."""
    if not isinstance(value, dict):
        raise ValidationError("unresolved_rules maps a context to an action")
    for context, action in value.items():
        if context not in UNRESOLVED_CONTEXTS or action not in UNRESOLVED_ACTIONS:
            raise ValidationError(
                f"{context!r}: {action!r} is not a rule; contexts are "
                f"{', '.join(UNRESOLVED_CONTEXTS)} and actions {', '.join(UNRESOLVED_ACTIONS)}"
            )
    return {**current, **value} if current is not None else value


def http_url(url: str) -> str:
    """A URL the gateway sends someone to or posts to: http(s), whatever else a URL
    validator lets through (ftp)."""
    if not url.lower().startswith(("http://", "https://")):
        raise ValidationError("must be an http(s) URL", code=ErrorCode.INVALID_URL)
    return url


def callback_url(url: str) -> str:
    """Refused at once, with the guard's reason, when the egress guard would not deliver
    to it (a numeric host trick, no host, a private address); where it resolves is
    checked again at every delivery."""
    try:
        egress.check_callback_url(url)
    except egress.EgressRefused as exc:
        raise ValidationError(str(exc), code=ErrorCode.INVALID_CALLBACK_URL) from None
    return url
