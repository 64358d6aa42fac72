"""The point-of-sale terminal's form: its name, currency, short product list ("Espresso =
2.50", one a line) and tip percentages ("10, 15, 20")."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import GatewayError
from dashboard.forms import LinesField, Styled
from dashboard.selling_forms import price_currencies
from invoices import money
from links.services import normalise_amount
from merchants.models import Merchant
from pages.forms import choice_field
from pos.models import Terminal

MAX_PRODUCTS = 30
MAX_TIPS = 5
PERCENT = re.compile(r"[0-9]{1,2}(\.[0-9]{1,2})?")


class TerminalForm(Styled, forms.Form):
    name = forms.CharField(
        max_length=100, label=_("Name"), help_text=_('Where it stands, e.g. "Front counter".')
    )
    currency = forms.ChoiceField(label=_("Currency"))
    products = LinesField(
        label=_("Products (optional)"),
        help_text=_('One a line, name = price, e.g. "Espresso = 2.50". Empty: a keypad only.'),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    tips = forms.CharField(
        required=False,
        max_length=100,
        label=_("Tips in percent (optional)"),
        help_text=_('Offered to the payer, e.g. "10, 15, 20". Empty: no tip.'),
    )

    def __init__(self, *args, merchant: Merchant, livemode: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "currency").choices = price_currencies(merchant, livemode)

    def clean_tips(self) -> list[str]:
        tips = [tip.strip() for tip in self.cleaned_data["tips"].split(",") if tip.strip()]
        for tip in tips:
            if not PERCENT.fullmatch(tip) or Decimal(tip) == 0:
                raise forms.ValidationError(
                    _("%(tip)s is not a percentage from 0.01 to 99.99.") % {"tip": tip}
                )
        if len(tips) > MAX_TIPS:
            raise forms.ValidationError(_("At most %(max)s tips.") % {"max": MAX_TIPS})
        return list(dict.fromkeys(tips))

    def clean(self):
        data = super().clean()
        currency = data.get("currency")
        lines = data.get("products") or []
        if not currency or "products" in self.errors:
            return data
        if len(lines) > MAX_PRODUCTS:
            self.add_error("products", _("At most %(max)s products.") % {"max": MAX_PRODUCTS})
            return data
        products = []
        for line in lines:
            name, sep, price = line.rpartition("=")
            name = name.strip()
            if not sep or not name or len(name) > 60:
                self.add_error("products", _("%(line)s is not “name = price”.") % {"line": line})
                return data
            try:
                units = money.to_units(
                    normalise_amount(price.strip()), money.price_decimals(currency) or 0
                )
            except GatewayError as exc:
                self.add_error("products", f"{line}: {exc}")
                return data
            products.append({"name": name, "price": units})
        data["products"] = products
        return data

    def apply(self, terminal: Terminal) -> None:
        data = self.cleaned_data
        terminal.name, terminal.currency = data["name"], data["currency"]
        terminal.products, terminal.tip_percents = data["products"], data["tips"]


def initial(terminal: Terminal) -> dict:
    decimals = money.price_decimals(terminal.currency) or 0
    return {
        "name": terminal.name,
        "currency": terminal.currency,
        "products": "\n".join(
            f"{p['name']} = {money.format_units(p['price'], decimals)}" for p in terminal.products
        ),
        "tips": ", ".join(terminal.tip_percents),
    }
