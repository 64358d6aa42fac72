"""The two things a payer may change: the currency choice and the refund address."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pages.forms import choice_field


class MethodForm(forms.Form):
    """One of the methods the page offers, as "ASSET:network"."""

    method = forms.ChoiceField(
        error_messages={
            "required": _("Choose a currency to pay with."),
            "invalid_choice": _("Choose one of the listed currencies."),
        }
    )

    def __init__(self, *args, methods: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "method").choices = [(method, method) for method in methods]


class RefundClaimForm(forms.Form):
    """The address is checked by `invoices.services.payer.claim`, the one place that decides."""

    address = forms.CharField(
        label=_("Your refund address"),
        max_length=200,
        error_messages={"required": _("Enter the address of your wallet.")},
    )
    confirm = forms.BooleanField(
        label=_(
            "I checked the address: it belongs to my wallet and receives this coin on this network."
        ),
        error_messages={"required": _("Tick the box to confirm the address.")},
    )
