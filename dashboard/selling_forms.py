"""Forms of the pages that sell: an invoice made by hand, payment links, and a person's
notification and language choices. The invoice form builds the API's `InvoiceRequest`, so
the dashboard and the API create invoices through one service with one set of checks."""

from __future__ import annotations

from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from chains import registry
from core.errors import GatewayError
from dashboard.forms import PAYER_EMAIL_CHOICES, Styled
from invoices import money
from invoices.models import Kind
from invoices.selectors import offered_methods
from invoices.services.creation import InvoiceRequest
from links.services import MAX_IMAGE_BYTES, image_type, normalise_amount
from merchants import notifications
from merchants.models import Merchant, PayerEmail
from pages import labels
from pages.forms import choice_field


def price_currencies(merchant: Merchant, livemode: bool) -> list[tuple[str, str]]:
    """The fiat currencies rates are kept for, then the crypto assets the merchant takes."""
    crypto = sorted({asset.code for asset in offered_methods(merchant=merchant, livemode=livemode)})
    return [(code, code) for code in settings.RATE_FIATS] + [
        (code, code) for code in crypto if code not in settings.RATE_FIATS
    ]


def method_choices(merchant: Merchant, livemode: bool) -> list[tuple[str, str]]:
    return [
        (
            asset.method,
            f"{asset.code} · "
            f"{labels.network_name(asset.network, registry.network(asset.network).name)}",
        )
        for asset in offered_methods(merchant=merchant, livemode=livemode)
    ]


def amount_field(**kwargs) -> forms.CharField:
    """An amount as typed: not stripped, so " 25 " is refused like in the API."""
    return forms.CharField(
        max_length=money.AMOUNT_MAX_LENGTH,
        strip=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        **kwargs,
    )


def parse_amount(form: forms.Form, field: str, currency: str) -> int | None:
    """Base units of an amount typed in the form (a decimal comma is fine), or None with
    the API's own message on the field."""
    text = form.cleaned_data.get(field) or ""
    if not text:
        return None
    try:
        return money.to_units(normalise_amount(text), money.price_decimals(currency) or 0)
    except GatewayError as exc:
        form.add_error(field, exc.message)
        return None


class InvoiceCreateForm(Styled, forms.Form):
    price_amount = amount_field(label=_("Price"))
    price_currency = forms.ChoiceField(label=_("Currency"))
    kind = forms.ChoiceField(
        label=_("Kind"),
        widget=forms.RadioSelect,
        initial=Kind.TIMED,
        choices=[(kind, labels.KINDS[kind]) for kind in Kind.values],
    )
    pay_method = forms.ChoiceField(required=False, label=_("Paid in (fixed invoices)"))
    description = forms.CharField(
        required=False,
        max_length=5000,
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    customer_email = forms.EmailField(required=False, label=_("Customer e-mail"))
    foreign_id = forms.CharField(required=False, max_length=255, label=_("Order id (optional)"))
    return_url = forms.URLField(
        required=False,
        max_length=2000,
        assume_scheme="https",
        label=_("Return URL (optional)"),
        help_text=_(
            "Where the payer goes back to; its host must be one of your allowed return hosts."
        ),
    )

    def __init__(self, *args, merchant: Merchant, livemode: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.livemode = livemode  # the dashboard's mode: test invoices offer test networks only
        choice_field(self, "price_currency").choices = price_currencies(merchant, livemode)
        choice_field(self, "pay_method").choices = [("", "—")] + method_choices(merchant, livemode)
        self.fields["price_amount"].widget.attrs["placeholder"] = labels.amount("25.00")

    def clean(self):
        data = super().clean()
        currency = data.get("price_currency")
        units = parse_amount(self, "price_amount", currency) if currency else None
        kind, method = data.get("kind"), data.get("pay_method")
        if not self.errors:  # a fixed invoice without its method is refused by the service
            asset, _sep, network = (
                (method or "").partition(":") if kind == Kind.FIXED else ("", "", "")
            )
            self.request = InvoiceRequest(
                price_amount=units,
                price_currency=currency,
                kind=kind,
                pay_currency=asset or None,
                network=network or None,
                foreign_id=data.get("foreign_id") or None,
                description=data.get("description", ""),
                customer_email=data.get("customer_email", ""),
                return_url=data.get("return_url", ""),
                livemode=self.livemode,
            )
        return data


class SendLinkForm(Styled, forms.Form):
    email = forms.EmailField(label=_("Customer e-mail"))


class PaymentLinkForm(Styled, forms.Form):
    FIXED, CHOOSE = "fixed", "choose"

    name = forms.CharField(
        max_length=200, label=_("Name"), help_text=_('What the payer buys, e.g. "Workshop ticket".')
    )
    description = forms.CharField(
        required=False,
        max_length=5000,
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    image = forms.FileField(
        required=False,
        label=_("Image (optional)"),
        help_text=_("PNG, JPEG, GIF or WebP, at most 1 MB."),
    )
    remove_image = forms.BooleanField(required=False, label=_("Remove the image"))
    price_currency = forms.ChoiceField(label=_("Currency"))
    pricing = forms.ChoiceField(
        label=_("Price"),
        widget=forms.RadioSelect,
        initial=FIXED,
        choices=[(FIXED, _("A fixed price")), (CHOOSE, _("The payer chooses the amount"))],
    )
    price_amount = amount_field(required=False, label=_("Fixed price"))
    amount_min = amount_field(
        required=False,
        label=_("Minimum amount"),
        help_text=_("When the payer chooses; both optional."),
    )
    amount_max = amount_field(required=False, label=_("Maximum amount"))
    methods = forms.MultipleChoiceField(
        required=False,
        label=_("Accepted payment methods"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every method you offer."),
    )
    quantity_limit = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=10**9,
        label=_("Quantity limit (optional)"),
        help_text=_("Invoices being paid count until they expire."),
    )
    ends_at = forms.DateTimeField(
        required=False,
        label=_("Ends at (optional)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In UTC."),
    )
    # The zone `ends_at` is written in: the browser's, set by static/js/gateway.js (which
    # also shows the stored UTC time in it and says which); UTC without a script.
    timezone = forms.CharField(
        required=False,
        max_length=100,
        widget=forms.HiddenInput(attrs={"data-timezone-of": "id_ends_at"}),
    )

    payer_email = forms.ChoiceField(
        required=False,
        label=_("Ask the payer for an e-mail"),
        widget=forms.RadioSelect,
        initial=PayerEmail.OFF,
        choices=PAYER_EMAIL_CHOICES,
        help_text=_("Used to send the payer a receipt and, if ever needed, a refund link."),
    )

    def __init__(self, *args, merchant: Merchant, livemode: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "price_currency").choices = price_currencies(merchant, livemode)
        choice_field(self, "methods").choices = method_choices(merchant, livemode)

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if not upload:
            return None
        if upload.size > MAX_IMAGE_BYTES:
            raise forms.ValidationError(_("The image is larger than 1 MB."))
        data = upload.read()
        if image_type(data) is None:
            raise forms.ValidationError(_("Upload a PNG, JPEG, GIF or WebP picture."))
        return data

    def clean(self):
        data = super().clean()
        currency = data.get("price_currency")
        if not currency:
            return data
        units = {
            name: parse_amount(self, name, currency)
            for name in ("price_amount", "amount_min", "amount_max")
        }
        if data.get("pricing") == self.FIXED:
            if units["price_amount"] is None and "price_amount" not in self.errors:
                self.add_error("price_amount", _("Give the price."))
            units["amount_min"] = units["amount_max"] = None
        else:
            units["price_amount"] = None
            low, high = units["amount_min"], units["amount_max"]
            if low is not None and high is not None and low > high:
                self.add_error("amount_max", _("The maximum is below the minimum."))
        ends_at, zone = data.get("ends_at"), time_zone(data.get("timezone"))
        if zone is None:
            self.add_error("ends_at", _("Unknown time zone."))
        elif ends_at:  # the wall time typed, in the zone it was typed in
            data["ends_at"] = ends_at.replace(tzinfo=zone).astimezone(UTC)
        data["units"] = units
        return data

    def apply(self, link) -> None:
        """Copy the cleaned form onto the link (unsaved)."""
        data = self.cleaned_data
        link.name, link.description = data["name"], data["description"]
        link.price_currency, link.methods = data["price_currency"], data["methods"]
        link.price_amount = data["units"]["price_amount"]
        link.amount_min, link.amount_max = data["units"]["amount_min"], data["units"]["amount_max"]
        link.quantity_limit, link.ends_at = data["quantity_limit"], data["ends_at"]
        link.payer_email = data.get("payer_email") or PayerEmail.OFF
        if data.get("image"):
            link.image, link.image_type = data["image"], image_type(data["image"])
        elif data.get("remove_image"):
            link.image, link.image_type = None, ""


def time_zone(name: str | None) -> tzinfo | None:
    """The named IANA zone, UTC for none, None for a name that is no zone."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class PreferencesForm(Styled, forms.Form):
    """A person's own choices: the dashboard's language and the e-mails they get."""

    language = forms.ChoiceField(
        label=_("Dashboard language"),
        required=False,
        choices=[("", _("The browser's language"))] + list(settings.LANGUAGES),
    )
    notifications = forms.MultipleChoiceField(
        required=False,
        label=_("E-mail me when"),
        widget=forms.CheckboxSelectMultiple,
        choices=list(notifications.PREFERENCES.items()),
    )
