"""Pure: what a press of *Charge* asks for — the keypad amount or the products, the tip, the
total in base units of the terminal's currency — and what the counter shows of an invoice.
No database: the service feeds it the terminal's settings."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ErrorCode, GatewayError
from invoices import money
from invoices.lifecycle import Status
from invoices.pricing import percent_up
from merchants.rules import Context

MAX_QUANTITY = 99


@dataclass(frozen=True)
class Order:
    subtotal: int
    tip: int
    tip_percent: str
    description: str

    @property
    def total(self) -> int:
        return self.subtotal + self.tip


def _keypad(amount: str, decimals: int) -> int:
    try:
        return money.to_units(amount, decimals)
    except GatewayError as exc:
        exc.param = "amount"
        raise


def _items(items: object, products: list[dict]) -> tuple[int, list[str]]:
    """Sum of the chosen products: `items` maps a product's position to a quantity."""
    if not isinstance(items, dict) or not items:
        raise GatewayError(
            ErrorCode.INVALID, "items", message=gettext_lazy("Choose at least one product.")
        )
    subtotal, lines = 0, []
    for position, quantity in items.items():
        if not (str(position).isdigit() and int(position) < len(products)):
            raise GatewayError(
                ErrorCode.INVALID, "items", message=gettext_lazy("This product is not sold here.")
            )
        if type(quantity) is not int or not 1 <= quantity <= MAX_QUANTITY:
            raise GatewayError(
                ErrorCode.INVALID,
                "items",
                message=gettext_lazy("A quantity is a whole number from 1 to %(max)s."),
                max=MAX_QUANTITY,
            )
        product = products[int(position)]
        subtotal += product["price"] * quantity
        lines.append(f"{quantity} × {product['name']}")
    return subtotal, lines


def order(
    *,
    name: str,
    decimals: int,
    products: list[dict],
    tip_percents: list[str],
    amount: object = None,
    items: object = None,
    tip: object = None,
) -> Order:
    """The order of one press. Either `amount` (a decimal string from the keypad) or `items`
    (products); `tip` is one of the terminal's percentages, or empty for none. The tip is
    rounded up, as every amount the payer owes is. GatewayError (naming the field) else."""
    if items:
        subtotal, lines = _items(items, products)
        description = f"{name}: {', '.join(lines)}"
    else:
        if not isinstance(amount, str):
            raise GatewayError(
                ErrorCode.REQUIRED, "amount", message=gettext_lazy("Enter an amount.")
            )
        subtotal, description = _keypad(amount, decimals), name
    tip_percent = "" if tip in (None, "", "0") else tip
    if tip_percent and tip_percent not in tip_percents:
        raise GatewayError(
            ErrorCode.INVALID_CHOICE, "tip", message=gettext_lazy("This tip is not offered here.")
        )
    tip_units = percent_up(subtotal, Decimal(tip_percent)) if tip_percent else 0
    if tip_units:
        description += " · " + _("tip %(percent)s %%") % {"percent": tip_percent}
    return Order(subtotal, tip_units, tip_percent, description)


def counter_state(status: str, context: str | None) -> str:
    """What the cashier needs to know: "paid" once the whole amount is seen (a counter does
    not wait for confirmations; the invoice does), "waiting" while it may still be paid,
    "over" when the sale ended otherwise (expired, underpaid, cancelled: see the dashboard)."""
    if (
        status == Status.COMPLETED
        or (status == Status.PENDING and context != Context.UNDERPAID)
        or (status == Status.UNRESOLVED and context == Context.OVERPAID)
    ):
        return "paid"
    if status in (Status.NEW, Status.PENDING, Status.COMPLIANCE_REVIEW):
        return "waiting"
    return "over"
