"""Pure functions the pages are drawn from: labels, tones and the chart's geometry (the
scanner's health is chains.lag's). No database, no request: tests drive them directly."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from invoices import money
from invoices.lifecycle import Status, is_allowed
from pages.amounts import display_amount, short_amount

TONES: dict[str, str] = {  # by Status, looked up by the stored status
    Status.NEW: "info",
    Status.PENDING: "info",
    Status.COMPLETED: "success",
    Status.UNRESOLVED: "warning",
    Status.COMPLIANCE_REVIEW: "warning",
    Status.EXPIRED: "muted",
    Status.CANCELLED: "muted",
    Status.FAILED: "error",
    Status.DECLINED: "error",
    Status.REFUNDED: "muted",
}
INVOICE_ACTIONS = ("complete", "refund", "approve", "decline", "cancel")


AMOUNT_KEYS = (
    "price_amount",
    "pay_amount",
    "fee_amount",
    "paid_amount",
    "remaining_amount",
    "excess_amount",
    "shortfall_amount",
    "underpayment_tolerance",
)


def readable(payload: dict) -> dict:
    """The API's invoice representation with its amounts shortened for reading."""
    return {
        **payload,
        **{key: short_amount(payload[key]) for key in AMOUNT_KEYS},
        "transactions": [
            {**tx, "amount": short_amount(tx["amount"])} for tx in payload["transactions"]
        ],
    }


def available_actions(status: str, context: str | None, archived: bool) -> list[str]:
    """What the merchant may do to an invoice now: the lifecycle's own rule, plus the
    archive flag, which any invoice can take or lose."""
    actions = [action for action in INVOICE_ACTIONS if is_allowed(action, status, context)]
    return [*actions, "unarchive" if archived else "archive"]


def actor_label(actor: str, key_names: dict[str, str]) -> str:
    """Who caused an event, in words: a user's e-mail, an API key's label, the system."""
    kind, _sep, who = actor.partition(":")
    if kind == "user":
        return who
    if kind == "api_key":
        name = key_names.get(who)
        return (
            _("API key %(name)s (%(prefix)s)") % {"name": name, "prefix": who}
            if name
            else _("API key %(prefix)s") % {"prefix": who}
        )
    if kind == "link":
        return _("Payment link %(slug)s") % {"slug": who}
    return {"system": _("System"), "rule": _("Automatic rule"), "payer": _("Payer")}.get(
        actor, actor
    )


def stored_methods(checked: list[str], available: list[str]) -> list[str]:
    """The merchant's enabled methods as stored: every available one ticked is stored as
    the empty list, which also lets payment methods added later be offered at once."""
    return [] if set(available) <= set(checked) else [m for m in available if m in checked]


def percent(value: Decimal) -> str:
    """A stored percentage as people write it: 0.5000 -> "0.5", 10.0000 -> "10"."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def tolerance_lines(stored: dict[str, int]) -> list[str]:
    """A merchant's underpayment tolerances as the settings form takes them: "1.00 USD"."""
    return [
        f"{money.format_units(units, money.price_decimals(code) or 0)} {code}"
        for code, units in sorted(stored.items())
    ]


def refund_step(refunds: list[dict]) -> str:
    """Where the invoice's refund stood, from an event's snapshot of the invoice (snapshots
    written before the refund shape of API.md name the payout `payout_txid`)."""
    if not refunds:
        return ""
    refund = refunds[0]
    if refund["status"] == "claimed" and (refund.get("txid") or refund.get("payout_txid")):
        return _("payout sent, waiting for the chain")
    return {
        "awaiting_claim": _("offered, awaiting the payer"),
        "claimed": _("claimed, to pay out"),
        "paid": _("paid, seen on chain"),
        "confirmed": _("paid and confirmed on chain"),
    }.get(refund["status"], refund["status"])


DELIVERY_LABELS = {
    "delivered": gettext_lazy("delivered"),
    "pending": gettext_lazy("waiting to be sent"),
    "retrying": gettext_lazy("retrying"),
    "failed": gettext_lazy("failed: out of retries"),
    "no_endpoint": gettext_lazy("not sent: no callback URL"),
}


# The export's columns: (header naming the unit, payload key or derived value).
CSV_COLUMNS = (
    ("id", "id"),
    ("foreign_id", "foreign_id"),
    ("created_at [UTC]", "created_at"),
    ("status", "status"),
    ("status_context", "status_context"),
    ("archived", "archived"),
    ("price_amount [price_currency]", "price_amount"),
    ("price_currency", "price_currency"),
    ("pay_currency", "pay_currency"),
    ("network", "network"),
    ("address", "address"),
    ("rate [price_currency per pay_currency]", "rate"),
    ("pay_amount [pay_currency]", "pay_amount"),
    ("network_fee_included [pay_currency]", "fee_amount"),
    ("paid_amount [pay_currency]", "paid_amount"),
    ("paid_value [price_currency, at the locked rate]", "paid_value"),
    ("remaining_amount [pay_currency]", "remaining_amount"),
    ("excess_amount [pay_currency]", "excess_amount"),
    ("refund_requested [pay_currency, awaiting the payer's claim]", "refund_requested"),
    ("refund_claimed [pay_currency, address given, to pay out]", "refund_claimed"),
    ("refund_paid [pay_currency, paid or confirmed]", "refund_paid"),
    ("refunds [amount asset network status; …]", "refunds"),
    ("extra_payments [amount asset network txid; …]", "extra_payments"),
    ("customer_email", "customer_email"),
    ("description", "description"),
    ("expires_at [UTC]", "expires_at"),
    ("txids", "txids"),
)


def paid_value(paid: str | None, rate: str | None, price_amount: str) -> str:
    """What was paid, in the price currency at the rate locked for the invoice, to the
    price's own decimals (half up, as a ledger rounds a conversion)."""
    if not paid or not rate:
        return ""
    places = len(price_amount.partition(".")[2])
    value = (Decimal(paid) * Decimal(rate)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )
    return f"{value:f}"


# The export's refund columns: a refund still waiting for the payer's claim is requested,
# not refunded (issue 23); paid counts once a payout is seen or marked.
REFUND_STAGES = {
    "awaiting_claim": "refund_requested",
    "claimed": "refund_claimed",
    "paid": "refund_paid",
    "confirmed": "refund_paid",
}


def csv_values(data: dict, refunded: dict[str, str] | None) -> list[str]:
    """One export row from the API's representation of an invoice (whose paid, remaining
    and excess amounts and `counted` flags come from the accounting ledger) and what its
    refunds give back in the pay currency, per stage (`REFUND_STAGES`; None: no currency
    chosen)."""
    derived = {
        "paid_value": paid_value(
            data["paid_amount"] if data["pay_currency"] else None,
            data["rate"],
            data["price_amount"],
        ),
        **{stage: (refunded or {}).get(stage) for stage in REFUND_STAGES.values()},
        "refunds": "; ".join(
            f"{r['amount']} {r['asset']} {r['network']} {r['status']}" for r in data["refunds"]
        ),
        "extra_payments": "; ".join(
            f"{tx['amount']} {tx['asset']} {tx['network']} {tx['txid']}"
            for tx in data["transactions"]
            if not tx["counted"] and tx["status"] != "reverted"
        ),
        "txids": " ".join(tx["txid"] for tx in data["transactions"]),
    }
    return [csv_cell(derived[key] if key in derived else data[key]) for _header, key in CSV_COLUMNS]


def csv_cell(value) -> str:
    """A value a spreadsheet shows as text: a cell starting with = + - @ (or a tab or
    carriage return) would be run as a formula, and descriptions come from outside."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: date
    label: str  # the amount, for the tooltip and the table


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (y, label) of the horizontal grid lines
    days: list[tuple[float, str]]  # (x, label) under the bars
    plot_left: float
    plot_bottom: float


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^n at or above `value`: a round top for the axis."""
    if value <= 0:
        return 1
    power = 10 ** int(math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _whole(units: int, decimals: int) -> str:
    text = display_amount(units, decimals)
    return text.removesuffix(".00")


def bar_chart(
    points: list[tuple[date, int]], decimals: int, width: int = 960, height: int = 260
) -> Chart:
    """Bars of one amount per day (base units of a currency with `decimals`), with a
    rounded axis and a label every seventh day (the newest day always has one)."""
    left, right, top, bottom = 88, 36, 16, 40
    plot_width, plot_height = width - left - right, height - top - bottom
    scale = 10**decimals
    top_value = nice_ceiling(math.ceil(max((v for _day, v in points), default=0) / scale)) * scale
    slot = plot_width / max(len(points), 1)
    bars = []
    for i, (day, value) in enumerate(points):
        bar_height = plot_height * value / top_value
        bars.append(
            Bar(
                x=round(left + i * slot + slot * 0.15, 2),
                y=round(top + plot_height - bar_height, 2),
                width=round(slot * 0.7, 2),
                height=round(bar_height, 2),
                day=day,
                label=display_amount(value, decimals),
            )
        )
    ticks = [
        (round(top + plot_height * (1 - f), 2), _whole(int(top_value * f), decimals))
        for f in (0, 0.5, 1)
    ]
    days = [
        (round(left + i * slot + slot / 2, 2), dateformat.format(day, "d M"))
        for i, (day, _) in enumerate(points)
        if (len(points) - 1 - i) % 7 == 0
    ]
    return Chart(width, height, bars, ticks, days, left, top + plot_height)
