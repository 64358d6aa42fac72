"""Forms: they turn what a browser posts into what the services take. Settings are checked
by the rules the API's serializer calls too (the model's validators and
`invoices.merchant_settings`), so a setting means the same whichever way it is changed."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.utils.translation import gettext_lazy as _

from chains import hd, registry
from core.errors import GatewayError
from dashboard import present
from invoices import merchant_settings
from invoices.lifecycle import Status
from invoices.models import Event
from merchants import services as merchant_services
from merchants.models import (
    LIVE,
    SCOPE_ADMIN,
    SCOPE_INVOICES,
    TEST,
    UNRESOLVED_ACTIONS,
    UNRESOLVED_CONTEXTS,
    Merchant,
    MerchantUser,
    PayerEmail,
    TokenQR,
)
from pages import labels
from pages.forms import choice_field

LAST_DAY = date.max - timedelta(days=1)  # "to" includes its whole day: one more must exist
ROLE_CHOICES = [
    (
        MerchantUser.STAFF,
        _("Staff: invoices, refunds and settings, no wallets, callbacks, keys or team"),
    ),
    (MerchantUser.OWNER, _("Owner: everything")),
]
RULE_LABELS = {"review": _("Leave for review"), "complete": _("Complete"), "refund": _("Refund")}
CONTEXT_LABELS = labels.CONTEXTS


class Styled:
    """Gives text inputs, selects and textareas the shared `input` look."""

    fields: dict[str, forms.Field]  # a mixin of forms

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if not isinstance(
                widget, (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)
            ):
                widget.attrs.setdefault("class", "input")


class BoundedUsername:
    """For login forms: Django's AuthenticationForm sets the username's max_length after
    the field is built, so nothing enforced it, and a longer name went on to authenticate(),
    where django-axes wrote it into a varchar(255) (a 500 on PostgreSQL). Now it is a form
    error, and no login is even tried."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LinesField(forms.CharField):
    """A textarea of one item a line, as a list (blank lines dropped)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, **kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


# --- invoices -----------------------------------------------------------------------------------


class InvoiceFilterForm(Styled, forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label=_("Search"),
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Id, order id, address, txid, e-mail")}
        ),
    )
    status = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[("", _("Any status"))] + [(code.value, labels.STATUSES[code]) for code in Status],
    )
    context = forms.ChoiceField(
        required=False,
        label=_("Context"),
        choices=[("", _("Any context"))] + [(c, CONTEXT_LABELS[c]) for c in UNRESOLVED_CONTEXTS],
    )
    network = forms.ChoiceField(required=False)
    created_from = forms.DateField(
        required=False,
        label=_("From"),
        validators=[MaxValueValidator(LAST_DAY)],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = forms.DateField(
        required=False,
        label=_("To"),
        validators=[MaxValueValidator(LAST_DAY)],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    archived = forms.ChoiceField(
        required=False,
        label=_("Archived"),
        choices=[
            ("exclude", _("Hide archived")),
            ("only", _("Archived only")),
            ("all", _("Archived or not")),
        ],
    )
    refund = forms.ChoiceField(
        required=False, label=_("Refund"), choices=[("", _("Any")), *labels.REFUND_STATES.items()]
    )

    pos = forms.ChoiceField(required=False, label=_("Point of sale"))

    def __init__(self, data, terminals=()) -> None:
        """`terminals`: (id, name) of the merchant's points of sale, to list one's sales."""
        super().__init__(data)
        choice_field(self, "pos").choices = [("", _("Any"))] + [
            (str(pk), name) for pk, name in terminals
        ]
        self.fields["network"].label = _("Network")
        choice_field(self, "network").choices = [("", _("Any network"))] + [
            (code, labels.network_name(code, network.name))
            for code, network in registry.all_networks().items()
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict:
        """The valid filters; an invalid one is left out (and shown as an error). A search
        looks at archived invoices too unless told otherwise: a pasted id must be found."""
        self.is_valid()
        found = {
            name: value
            for name, value in self.cleaned_data.items()
            if value not in (None, "") and name not in self.errors
        }
        if found.get("q") and "archived" not in found:
            found["archived"] = "all"
        return found


class RefundAmountForm(Styled, forms.Form):
    refund_amount = forms.ChoiceField(
        widget=forms.RadioSelect,
        initial="received",
        choices=[("received", _("Everything received")), ("excess", _("Only the overpaid excess"))],
    )


class RefundFilterForm(Styled, forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label=_("Invoice"),
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Invoice id or order id")}
        ),
    )
    status = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[("", _("Any status"))] + list(labels.REFUND_STATES.items()),
    )
    created_from = InvoiceFilterForm.base_fields["created_from"]
    created_to = InvoiceFilterForm.base_fields["created_to"]


class NewRefundForm(Styled, forms.Form):
    """A refund of what an invoice holds: which asset (`method`, "ASSET network"), how
    much (blank: everything left), why. The amount is parsed by the service, in the
    asset's decimals, as the API's is."""

    method = forms.ChoiceField(label=_("Refund in"))
    amount = forms.CharField(
        required=False,
        max_length=80,
        label=_("Amount"),
        help_text=_("Leave blank to refund everything still refundable."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = forms.CharField(required=False, max_length=500, label=_("Reason (optional)"))

    def __init__(self, *args, methods=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "method").choices = [(f"{a} {n}", f"{a} · {n}") for a, n in methods]


class PayoutForm(Styled, forms.Form):
    refund = forms.UUIDField(required=False, widget=forms.HiddenInput)
    payout_txid = forms.CharField(
        max_length=200,
        label=_("Payout transaction id"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "input mono"}
        ),
    )


class MarkPaidForm(Styled, forms.Form):
    txid = forms.CharField(
        max_length=200,
        label=_("Transaction id of the payout"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "input mono"}
        ),
    )


# --- settings -----------------------------------------------------------------------------------

MERCHANT_FIELDS = {field.name: field for field in Merchant._meta.concrete_fields}
PAYER_EMAIL_CHOICES = [
    (PayerEmail.OFF, _("No")),
    (PayerEmail.OPTIONAL, _("Optional")),
    (PayerEmail.REQUIRED, _("Required")),
]


TOKEN_QR_CHOICES = [
    (TokenQR.URI, _("A payment link (EIP-681): the wallet fills in address and amount")),
    (TokenQR.ADDRESS, _("The plain address: the payer types the amount shown beside it")),
]


def _tolerance_lines(lines: list[str]) -> dict[str, int]:
    """Lines of "1.00 USD" into the stored {currency: base units}, checked as the API's
    {"USD": "1.00"} is (`merchant_settings.underpayment_tolerance`)."""
    pairs = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 2:
            raise ValidationError(
                _("%(line)s: write an amount and its currency, such as 1.00 USD") % {"line": line}
            )
        pairs[parts[1].upper()] = parts[0]
    return merchant_settings.underpayment_tolerance(pairs)


def _callback_url(url: str) -> str:
    """Blank: no callbacks; any other URL is checked as the API checks it."""
    return merchant_settings.callback_url(merchant_settings.http_url(url)) if url else url


class SettingsForm(Styled, forms.Form):
    """Merchant settings: a field named as a Merchant field is checked by the model's
    validators (bounds of the timers and percentages, lengths, URLs), and one listed in
    `rules` by its rule, as the API's serializer checks them. `changes` is what the
    settings service stores."""

    rules: dict = {}

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            try:
                if name in MERCHANT_FIELDS:
                    MERCHANT_FIELDS[name].run_validators(value)
                if name in self.rules:
                    data[name] = self.rules[name](value)
            except ValidationError as exc:
                self.add_error(name, exc)
        return data

    @property
    def changes(self) -> dict:
        return dict(self.cleaned_data)


class ProfileForm(SettingsForm):
    rules = {
        "allowed_return_hosts": partial(merchant_settings.hosts, what="allowed_return_hosts"),
        "embed_hosts": partial(merchant_settings.hosts, what="embed_hosts"),
    }

    name = forms.CharField(max_length=200, label=_("Store name"))
    logo_url = forms.URLField(
        required=False, label=_("Logo URL (https)"), help_text=_("Shown on the payment page.")
    )
    allowed_return_hosts = LinesField(
        label=_("Allowed return hosts"),
        help_text=_("One host a line: invoices may send payers back only to these."),
    )
    embed_hosts = LinesField(
        label=_("Embedding hosts"),
        help_text=_("One host a line: sites allowed to show the payment page in a frame."),
    )


class PaymentsForm(SettingsForm):
    """Payment methods, confirmations, timers and rules; the fields of the networks and
    contexts are made from the registry."""

    rules = {
        "deny_list": partial(merchant_settings.string_list, what="deny_list"),
        "underpayment_tolerance": _tolerance_lines,
    }

    enabled_methods = forms.MultipleChoiceField(
        required=False, label=_("Payment methods"), widget=forms.CheckboxSelectMultiple
    )
    invoice_ttl_minutes = forms.IntegerField(label=_("Invoice lifetime (minutes)"), min_value=1)
    payment_window_minutes = forms.IntegerField(
        label=_("Payment window of open invoices (minutes)"), min_value=1
    )
    slippage_percent = forms.DecimalField(
        label=_("Tolerance (%)"),
        min_value=0,
        max_value=100,
        decimal_places=4,
        help_text=_("A payment this close to the amount due completes the invoice."),
    )
    underpayment_tolerance = LinesField(
        label=_("Underpayment tolerance"),
        help_text=_(
            "One a line, an amount and its price currency, such as 1.00 USD: a payment short "
            "by at most this much completes the invoice (an exchange's withdrawal fee). With "
            "the percentage above, the larger allowance applies."
        ),
    )
    token_qr = forms.ChoiceField(
        required=False,  # not sent: left as it is
        label=_("QR code of token payments"),
        widget=forms.RadioSelect,
        choices=TOKEN_QR_CHOICES,
        help_text=_(
            "Some wallets read the token contract of a payment link as the recipient: the "
            "plain address avoids that."
        ),
    )
    insurance_percent = forms.DecimalField(
        label=_("Rate insurance (%)"),
        min_value=0,
        max_value=100,
        decimal_places=4,
        help_text=_("Added to the amount due, against rate moves while the payer pays."),
    )
    late_window_minutes = forms.IntegerField(
        label=_("Late payments accepted for (minutes)"), min_value=0
    )
    processing_timeout_minutes = forms.IntegerField(
        label=_("Processing timeout (minutes)"), min_value=1
    )
    deny_list = LinesField(label=_("Sender addresses"), help_text=_("One a line."))
    payer_email = forms.ChoiceField(
        required=False,  # not sent: left as it is
        label=_("Ask the payer for an e-mail"),
        widget=forms.RadioSelect,
        choices=PAYER_EMAIL_CHOICES,
        help_text=_(
            "On the payment page, when the invoice has none yet: for the receipt and, if ever "
            "needed, a refund link. Payment links ask on their own page, as each link says."
        ),
    )

    def __init__(
        self, *args, merchant: Merchant, methods: list[tuple[str, str]], networks: list, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "enabled_methods").choices = methods
        self.merchant, self.networks = merchant, networks
        for network in networks:
            self.fields[f"confirmations_{network.code}"] = forms.IntegerField(
                required=False,
                min_value=network.min_confirmations,
                max_value=1000,
                label=network.name,
                widget=forms.NumberInput(
                    attrs={"class": "input", "placeholder": network.confirmations}
                ),
                error_messages={
                    "min_value": _("At least %(min)s: fewer is not safe on this network.")
                    % {"min": network.min_confirmations}
                },
                help_text=_("Default %(default)s, at least %(min)s.")
                % {"default": network.confirmations, "min": network.min_confirmations},
            )
        for context in UNRESOLVED_CONTEXTS:
            self.fields[f"rule_{context}"] = forms.ChoiceField(
                label=CONTEXT_LABELS[context],
                widget=forms.Select(attrs={"class": "input"}),
                choices=[(a, RULE_LABELS[a]) for a in UNRESOLVED_ACTIONS],
            )

    def confirmation_fields(self):
        return [self[f"confirmations_{network.code}"] for network in self.networks]

    def rule_fields(self):
        return [self[f"rule_{context}"] for context in UNRESOLVED_CONTEXTS]

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                self.stored = self._stored(data)
            except ValidationError as exc:
                self.add_error(None, exc)
        return data

    @property
    def changes(self) -> dict:
        return self.stored

    def _stored(self, data: dict) -> dict:
        """The settings as stored, checked by the API's rules: every method ticked is
        stored as "all" (empty), the confirmations of networks not shown are kept, a blank
        confirmation is the network's default."""
        merchant = self.merchant
        shown = {network.code for network in self.networks}
        changes = {
            name: data[name]
            for name in (
                "invoice_ttl_minutes",
                "payment_window_minutes",
                "late_window_minutes",
                "processing_timeout_minutes",
                "slippage_percent",
                "insurance_percent",
                "deny_list",
                "underpayment_tolerance",
            )
        }
        changes["payer_email"] = data.get("payer_email") or merchant.payer_email
        changes["token_qr"] = data.get("token_qr") or merchant.token_qr
        changes["enabled_methods"] = merchant_settings.enabled_methods(
            present.stored_methods(
                data["enabled_methods"],
                [value for value, _label in self.fields["enabled_methods"].choices],
            )
        )
        changes["confirmations"] = merchant_settings.confirmations(
            {
                **{code: n for code, n in merchant.confirmations.items() if code not in shown},
                **{
                    network.code: data[f"confirmations_{network.code}"]
                    for network in self.networks
                    if data[f"confirmations_{network.code}"] is not None
                },
            }
        )
        changes["unresolved_rules"] = merchant_settings.unresolved_rules(
            {context: data[f"rule_{context}"] for context in UNRESOLVED_CONTEXTS},
            merchant.unresolved_rules,
        )
        return changes


class CallbackForm(SettingsForm):
    rules = {"callback_url": _callback_url}

    callback_url = forms.URLField(
        required=False,
        max_length=2000,
        label=_("Callback URL"),
        help_text=_("Events are POSTed here, signed with the secret."),
    )


class EndpointForm(Styled, forms.Form):
    """A webhook endpoint's URL (checked as the API checks it), the events it wants (none
    ticked: all of them) and whether it is on."""

    url = forms.URLField(
        required=False,
        max_length=2000,
        label=_("URL"),
        help_text=_("Events are POSTed here, signed."),
    )
    events = forms.MultipleChoiceField(
        required=False,
        label=_("Events"),
        choices=[(name, name) for name in Event.TYPES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every event."),
    )
    enabled = forms.BooleanField(required=False, initial=True, label=_("Enabled"))

    def clean_url(self):
        return _callback_url(self.cleaned_data["url"])

    @property
    def changes(self) -> dict:
        data = self.cleaned_data
        return {"url": data["url"], "events": data["events"] or ["*"], "enabled": data["enabled"]}


class WalletForm(Styled, forms.Form):
    """An account xpub of one family, checked (and normalised) as the wallet service
    checks it."""

    xpub = forms.CharField(
        max_length=300,
        label=_("Account extended public key"),
        widget=forms.Textarea(
            attrs={"rows": 3, "class": "input mono", "spellcheck": "false", "autocomplete": "off"}
        ),
    )

    def __init__(self, *args, family: str, merchant: Merchant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.family, self.merchant = family, merchant

    def clean_xpub(self):
        try:
            xpub = hd.validate_xpub(self.family, self.cleaned_data["xpub"])
            merchant_services.check_wallet_free(
                merchant=self.merchant, family=self.family, xpub=xpub
            )
        except GatewayError as exc:
            raise ValidationError(exc.message) from None
        return xpub


class MoneroWalletForm(Styled, forms.Form):
    """A Monero wallet's primary address and private view key: checked together, and stored,
    by the wallet service (the view key is never shown again)."""

    address = forms.CharField(
        max_length=120,
        label=_("Primary address"),
        help_text=_("Your wallet's main address, starting with 4 (not a subaddress)."),
        widget=forms.Textarea(
            attrs={"rows": 2, "class": "input mono", "spellcheck": "false", "autocomplete": "off"}
        ),
    )
    view_key = forms.CharField(
        max_length=80,
        label=_("Private view key"),
        help_text=_(
            "64 hexadecimal characters, from your wallet's keys (never the spend key or seed). "
            "It lets the gateway see payments to you, not spend them."
        ),
        widget=forms.PasswordInput(
            attrs={"class": "input mono", "spellcheck": "false", "autocomplete": "off"}
        ),
    )


class ApiKeyForm(Styled, forms.Form):
    """A new key's label, mode and scope; left out, the dashboard's current mode and the
    narrower scope."""

    name = forms.CharField(
        max_length=50,
        label=_("Label"),
        help_text=_('Say where the key is used, e.g. "shop backend".'),
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        widget=forms.RadioSelect,
        required=False,
        initial=TEST,
        choices=[
            (LIVE, _("Live: real payments")),
            (TEST, _("Test: play money only (sandbox, test networks)")),
        ],
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        widget=forms.RadioSelect,
        required=False,
        initial=SCOPE_INVOICES,
        choices=[
            (SCOPE_INVOICES, _("Invoices: create and manage invoices")),
            (SCOPE_ADMIN, _("Admin: also settings, wallets and the callback secret")),
        ],
    )

    def __init__(self, *args, livemode: bool, **kwargs) -> None:
        super().__init__(*args, initial={"mode": LIVE if livemode else TEST}, **kwargs)
        self.livemode = livemode

    def clean(self):
        data = super().clean()
        data["mode"] = data.get("mode") or (LIVE if self.livemode else TEST)
        data["scope"] = data.get("scope") or SCOPE_INVOICES
        return data


class InviteForm(Styled, forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=150)  # it becomes the username
    role = forms.ChoiceField(
        choices=ROLE_CHOICES, widget=forms.RadioSelect, initial=MerchantUser.STAFF
    )


class RoleForm(Styled, forms.Form):
    role = forms.ChoiceField(
        choices=[(MerchantUser.OWNER, _("Owner")), (MerchantUser.STAFF, _("Staff"))]
    )


# --- account ------------------------------------------------------------------------------------


class NewPasswordForm(Styled, forms.Form):
    """The password of a new team member, checked by the site's validators."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = get_user_model()(username=email, email=email)  # for the validators

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class TokenForm(Styled, forms.Form):
    otp_token = forms.RegexField(
        regex=r"^\s*\d{6,8}\s*$",
        label=_("Code from your app"),
        error_messages={"invalid": _("Enter the 6-digit code.")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "class": "input mono",
                "maxlength": 8,
            }
        ),
    )
