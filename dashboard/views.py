"""The overview and the invoices: list, export, detail, actions, refund payout, redelivery.
Thin: read through `queries`, act through the services the API calls, render."""

from __future__ import annotations

import json
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chains import registry
from chains.uri import payment_uri
from core.errors import GatewayError
from dashboard import errors, present, queries
from dashboard.access import MemberRequest, actor, member_required
from dashboard.forms import (
    InvoiceFilterForm,
    MarkPaidForm,
    NewRefundForm,
    PayoutForm,
    RefundAmountForm,
    RefundFilterForm,
)
from invoices import lifecycle, money
from invoices.models import Event, Invoice, Refund
from invoices.representation import invoice_payload, refund_payload
from invoices.services import merchant_actions, refunds
from merchants.models import MerchantAPIKey
from pages import labels
from pages.amounts import display_amount, short_amount
from pages.qr import qr_svg
from webhooks import callbacks, endpoints

ACTIONS = {
    # action: (title, what happens, button)
    "complete": (
        _("Complete the invoice"),
        _(
            "The invoice becomes completed: the order counts as paid with what was "
            "received. Nothing is sent back."
        ),
        _("Complete"),
    ),
    "refund": (
        _("Refund the payer"),
        _(
            "The invoice becomes refunded. The payer gets a link to give the address to "
            "refund to; you then send the refund from your wallet and record its "
            "transaction here."
        ),
        _("Refund"),
    ),
    "approve": (
        _("Approve the held payment"),
        _(
            "The payment is accepted and the invoice is judged as usual (completed, "
            "or unresolved if the amount is off)."
        ),
        _("Approve"),
    ),
    "decline": (
        _("Decline the held payment"),
        _("The invoice becomes declined and what was received is offered back to the payer."),
        _("Decline"),
    ),
    "cancel": (
        _("Cancel the invoice"),
        _(
            "The payment page stops accepting payment. Money already received is "
            "offered back to the payer."
        ),
        _("Cancel the invoice"),
    ),
    "archive": (
        _("Archive the invoice"),
        _(
            "It is hidden from the list unless you ask for archived invoices. An invoice "
            "still waiting for payment stops accepting it."
        ),
        _("Archive"),
    ),
    "unarchive": (_("Unarchive the invoice"), _("It shows in the list again."), _("Unarchive")),
}


def _network_name(code: str | None) -> str:
    network = registry.get_network(code) if code else None
    return labels.network_name(code, network.name if network else (code or ""))


def _invoice(request: MemberRequest, invoice_id: UUID) -> Invoice:
    return get_object_or_404(
        Invoice.objects.select_related("quote").prefetch_related("transactions", "refunds"),
        merchant=request.merchant,
        pk=invoice_id,
    )


# --- overview -----------------------------------------------------------------------------------


@require_GET
@member_required
def overview(request: MemberRequest) -> HttpResponseBase:
    """What needs the merchant now, then how the store is doing."""
    now = timezone.now()
    merchant = request.merchant
    return render(
        request,
        "dashboard/overview.html",
        {
            "needs_action": queries.needs_action(merchant, now, request.livemode),
            "table": queries.status_table(merchant, now, request.livemode),
            "chart": queries.completed_chart(
                merchant, now, request.GET.get("currency", ""), request.livemode
            ),
            "section": "overview",
        },
    )


# --- list and export ----------------------------------------------------------------------------


def _query(request: HttpRequest, **changes) -> str:
    params = request.GET.copy()
    for name, value in changes.items():
        params.pop(name, None)
        if value:
            params[name] = value
    return params.urlencode()


def _row(invoice: Invoice, list_url: str) -> dict:
    """One line of the list, formatted here: a page of 50 stays cheap to render."""
    quote = invoice.quote
    network = registry.get_network(quote.network) if quote else None
    asset = network.asset(quote.asset) if quote and network else None
    transactions = invoice.transactions.all()
    price_decimals = money.price_decimals(invoice.price_currency) or 0
    paid = invoice.ledger(transactions, ()).paid if asset and transactions else 0
    return {
        "url": f"{list_url}{invoice.pk}/",
        "short_id": str(invoice.pk)[:8],
        "foreign_id": invoice.foreign_id,
        "status": invoice.status,
        "tone": present.TONES[invoice.status],
        "context": invoice.status_context,
        "archived": invoice.archived,
        "price": f"{labels.amount(display_amount(invoice.price_amount, price_decimals))} "
        f"{invoice.price_currency}",
        "pay": f"{labels.amount(display_amount(quote.due_amount, asset.decimals))} "
        f"{asset.code} · {labels.network_name(network.code, network.name)}"
        if quote and network and asset
        else "",
        "paid": f"{labels.amount(display_amount(paid, asset.decimals))} {asset.code}"
        if asset and transactions
        else "",
        "email": invoice.customer_email,
        "created_at": labels.datetime_text(invoice.created_at),
    }


def _terminals(request: MemberRequest) -> list[tuple]:
    """The points of sale whose sales the list may be filtered to."""
    return list(
        request.merchant.pos_terminals.filter(livemode=request.livemode)
        .order_by("name")
        .values_list("pk", "name")
    )


@require_GET
@member_required
def invoice_list(request: MemberRequest) -> HttpResponseBase:
    form = InvoiceFilterForm(request.GET, terminals=_terminals(request))
    invoices = queries.filtered(
        request.merchant, queries.Filters(**form.filters(), livemode=request.livemode)
    )
    try:
        rows, next_cursor = queries.page(invoices, request.GET.get("cursor", ""))
    except queries.BadCursor:
        form.add_error(None, gettext("That page link is no longer valid; here is the first page."))
        rows, next_cursor = queries.page(invoices, "")
    return render(
        request,
        "dashboard/invoices.html",
        {
            "form": form,
            "section": "invoices",
            "rows": [_row(invoice, reverse("dashboard:invoices")) for invoice in rows],
            "next_query": _query(request, cursor=next_cursor) if next_cursor else "",
            "first_query": _query(request, cursor="") if request.GET.get("cursor") else None,
            "export_query": _query(request, cursor=""),
            "filtered": bool(form.filters().keys() - {"archived"}),
            "more_filters": bool(form.errors)
            or any(
                request.GET.get(name)
                for name in (
                    "context",
                    "network",
                    "created_from",
                    "created_to",
                    "archived",
                    "refund",
                    "pos",
                )
            ),
        },
    )


@require_GET
@member_required
def invoice_export(request: MemberRequest) -> HttpResponseBase:
    """Every invoice the filters select, as CSV, streamed: no page limit, flat memory."""
    form = InvoiceFilterForm(request.GET, terminals=_terminals(request))
    invoices = queries.filtered(
        request.merchant, queries.Filters(**form.filters(), livemode=request.livemode)
    )
    response = StreamingHttpResponse(
        queries.csv_lines(invoices), content_type="text/csv; charset=utf-8"
    )
    name = f"invoices-{timezone.now():%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- detail -------------------------------------------------------------------------------------


def _timeline(invoice: Invoice) -> list[dict]:
    events = list(
        invoice.events.order_by("sequence").prefetch_related(
            "delivery_attempts", "deliveries__attempts"
        )
    )
    prefixes = {e.actor.partition(":")[2] for e in events if e.actor.startswith("api_key:")}
    names = dict(
        MerchantAPIKey.objects.filter(
            merchant_id=invoice.merchant_id, prefix__in=prefixes
        ).values_list("prefix", "name")
    )
    timeline = []
    for event in events:
        state = callbacks.event_state(list(event.deliveries.all()))
        timeline.append(
            {
                "event": event,
                "actor": present.actor_label(event.actor, names),
                "status": event.data.get("status"),
                "context": event.data.get("status_context"),
                "refund": present.refund_step(event.data.get("refunds") or []),
                "delivery": state,
                "delivery_label": present.DELIVERY_LABELS[state],
                "attempts": list(event.delivery_attempts.all()),
            }
        )
    return timeline


def _refunds(invoice: Invoice) -> list[dict]:
    """Every refund of the invoice (one per asset it refunds), oldest first."""
    return [
        _refund(refund)
        for refund in sorted(invoice.refunds.all(), key=lambda r: (r.created_at, r.asset))
    ]


def _refund(refund: Refund) -> dict:
    network = registry.get_network(refund.network)
    asset = network.asset(refund.asset) if network else None
    payload = refund_payload(refund)
    payload["amount"] = short_amount(payload["amount"])
    data = {
        "refund": refund,
        "data": payload,
        "network": _network_name(refund.network),
        "payout_url": network.tx_url(refund.payout_txid) if network and refund.payout_txid else "",
    }
    if refund.status == Refund.CLAIMED and network and asset:
        amount = display_amount(refund.amount, asset.decimals)
        data["qr"] = qr_svg(
            payment_uri(network, asset, refund.address, refund.amount) or refund.address,
            gettext("QR code: send %(amount)s %(asset)s to %(address)s")
            % {"amount": amount, "asset": asset.code, "address": refund.address},
        )
    return data


def _detail(request: MemberRequest, invoice: Invoice, payout_form=None, status: int = 200):
    data = present.readable(invoice_payload(invoice))
    # The models beside their payloads, in the payload's order.
    transactions = sorted(invoice.transactions.all(), key=lambda tx: (tx.detected_at, tx.pk))
    quote = invoice.quote
    return render(
        request,
        "dashboard/invoice.html",
        {
            "invoice": invoice,
            "data": data,
            "quote": quote,
            "section": "invoices",
            "tone": present.TONES[invoice.status],
            "network": _network_name(quote.network if quote else None),
            "transactions": list(zip(transactions, data["transactions"], strict=True)),
            "tolerance": present.percent(invoice.slippage_percent),
            "insurance": present.percent(invoice.insurance_percent),
            "metadata_json": json.dumps(invoice.metadata, indent=2, ensure_ascii=False),
            "timeline": _timeline(invoice),
            "refunds": _refunds(invoice),
            "actions": [
                (action, ACTIONS[action][2])
                for action in present.available_actions(
                    invoice.status, invoice.status_context, invoice.archived
                )
            ],
            # The form with its errors goes to the refund it was posted for.
            "payout_form": payout_form or PayoutForm(),
            "blank_payout_form": PayoutForm(),
            "payout_for": str(payout_form.data.get("refund", "")) if payout_form else "",
            "callback_url": invoice.callback_url or endpoints.callback_url(request.merchant),
            "can_refund": bool(_holding(invoice)),
        },
        status=status,
    )


@require_GET
@member_required
def invoice_detail(request: MemberRequest, invoice_id: UUID) -> HttpResponseBase:
    return _detail(request, _invoice(request, invoice_id))


@require_http_methods(["GET", "POST"])
@member_required
def invoice_action(request: MemberRequest, invoice_id: UUID, action: str) -> HttpResponseBase:
    """A confirmation page (GET) and the action itself (POST), done by the service the API
    uses, with the user as the actor recorded in the timeline."""
    if action not in ACTIONS:
        raise Http404
    invoice = _invoice(request, invoice_id)
    form = RefundAmountForm(request.POST or None) if action == "refund" else None
    error = ""
    if request.method == "POST" and (form is None or form.is_valid()):
        who = actor(request)
        try:
            if action in ("complete", "refund"):
                amount = form.cleaned_data["refund_amount"] if form else "received"
                merchant_actions.resolve(
                    invoice_id=invoice.pk, action=action, actor=who, refund_amount=amount
                )
            elif action in ("approve", "decline"):
                merchant_actions.review(invoice_id=invoice.pk, action=action, actor=who)
            elif action == "cancel":
                merchant_actions.cancel(invoice_id=invoice.pk, actor=who)
            else:
                merchant_actions.set_archived(
                    invoice_id=invoice.pk, archived=action == "archive", actor=who
                )
        except GatewayError as exc:
            error = errors.sentence(exc)
        else:
            messages.success(request, gettext("%(action)s: done.") % {"action": ACTIONS[action][0]})
            return redirect("dashboard:invoice", invoice_id=invoice.pk)
    title, explanation, button = ACTIONS[action]
    return render(
        request,
        "dashboard/confirm_action.html",
        {
            "invoice": invoice,
            "action": action,
            "title": title,
            "explanation": explanation,
            "button": button,
            "form": form,
            "error": error,
            "section": "invoices",
            "amounts": _refundable(invoice),
            "danger": action in ("refund", "decline", "cancel"),
        },
        status=409 if error else 200,
    )


def _amounts(amounts: dict) -> str:
    """{(asset, network): units} as "0.5 ETH + 100.00 USDT" (each in its own decimals)."""
    parts = []
    for (code, network_code), units in sorted(amounts.items()):
        network = registry.get_network(network_code)
        asset = network.asset(code) if network else None
        parts.append(f"{display_amount(units, asset.decimals if asset else 0)} {code}")
    return " + ".join(parts)


def _refundable(invoice: Invoice) -> dict | None:
    """What a refund would send back: everything received (extra payments in their own
    asset), and the surplus beyond the amount due when there is one."""
    if invoice.quote is None:
        return None
    ledger = invoice.ledger()
    return {
        "received": _amounts(ledger.refund_all(invoice.refunded())),
        "excess": _amounts(ledger.refund_surplus()) or None,
    }


def _holding(invoice: Invoice) -> list[dict]:
    """What the invoice holds that a refund may give back, per asset, with its worth in the
    price currency at the rate locked for that asset (when one was)."""
    if invoice.status not in lifecycle.REFUNDABLE:
        return []
    rates = {(q.asset, q.network): q.rate for q in invoice.quotes.all()}
    price = money.format_units(
        invoice.price_amount, money.price_decimals(invoice.price_currency) or 0
    )
    held = []
    for (code, network_code), units in sorted(
        invoice.ledger().refund_all(invoice.refunded()).items()
    ):
        network = registry.get_network(network_code)
        asset = network.asset(code) if network else None
        amount = money.format_units(units, asset.decimals if asset else 0)
        held.append(
            {
                "method": (code, network_code),
                "amount": short_amount(amount),
                "asset": code,
                "network": _network_name(network_code),
                "rate": rates.get((code, network_code)),
                "worth": present.paid_value(amount, rates.get((code, network_code)), price),
            }
        )
    return held


@require_http_methods(["GET", "POST"])
@member_required
def invoice_refund(request: MemberRequest, invoice_id: UUID) -> HttpResponseBase:
    """The Refund button: give back all or part of what the invoice holds, by the service
    the API uses (the same members who may resolve an invoice may refund it)."""
    invoice = _invoice(request, invoice_id)
    held = _holding(invoice)
    form = NewRefundForm(request.POST or None, methods=[h["method"] for h in held])
    if request.method == "POST" and form.is_valid():
        code, network_code = form.cleaned_data["method"].split(" ", 1)
        try:
            refund = refunds.create_refund(
                invoice_id=invoice.pk,
                amount=form.cleaned_data["amount"] or None,
                asset=code,
                network=network_code,
                reason=form.cleaned_data["reason"],
                actor=actor(request),
            )
        except GatewayError as exc:
            form.add_error("amount" if exc.param == "amount" else None, errors.message(exc))
        else:
            messages.success(request, gettext("Refund offered to the payer."))
            return redirect("dashboard:refund", refund_id=refund.pk)
    return render(
        request,
        "dashboard/refund_form.html",
        {
            "invoice": invoice,
            "form": form,
            "held": held,
            "price_currency": invoice.price_currency,
            "section": "refunds",
        },
        status=422 if form.errors else 200,
    )


@require_GET
@member_required
def refund_list(request: MemberRequest) -> HttpResponseBase:
    """Every refund of the merchant, newest first, with filters."""
    form = RefundFilterForm(request.GET)
    found = queries.refunds_of(
        request.merchant, request.livemode, **(form.cleaned_data if form.is_valid() else {})
    )
    page, more, cursor = queries.refund_page(found, request.GET)
    return render(
        request,
        "dashboard/refunds.html",
        {
            "form": form,
            "rows": [_refund(refund) for refund in page],
            "next_query": _query(request, cursor=cursor) if more else None,
            "filtered": any(
                request.GET.get(k) for k in ("status", "q", "created_from", "created_to")
            ),
            "section": "refunds",
        },
    )


@require_GET
@member_required
def refund_detail(request: MemberRequest, refund_id: UUID) -> HttpResponseBase:
    return _refund_page(request, _merchant_refund(request, refund_id))


def _merchant_refund(request: MemberRequest, refund_id: UUID) -> Refund:
    """The signed-in merchant's refund (in the dashboard's mode): another's is not found."""
    return get_object_or_404(
        Refund.objects.select_related("invoice"),
        invoice__merchant=request.merchant,
        invoice__livemode=request.livemode,
        pk=refund_id,
    )


def _refund_page(
    request: MemberRequest,
    refund: Refund,
    mark_paid_form: MarkPaidForm | None = None,
    status: int = 200,
) -> HttpResponseBase:
    return render(
        request,
        "dashboard/refund.html",
        {
            "refund": _refund(refund),
            "invoice": refund.invoice,
            "payout_form": PayoutForm(),
            "blank_payout_form": PayoutForm(),
            "mark_paid_form": mark_paid_form or MarkPaidForm(),
            "open": refund.status in (Refund.AWAITING_CLAIM, Refund.CLAIMED),
            "section": "refunds",
        },
        status=status,
    )


@require_POST
@member_required
def refund_cancel(request: MemberRequest, refund_id: UUID) -> HttpResponseBase:
    """Withdraw a refund not paid yet (the same service as POST /refunds/{id}/cancel)."""
    refund = _merchant_refund(request, refund_id)
    try:
        refunds.cancel_refund(refund_id=refund.pk, actor=actor(request))
    except GatewayError as exc:
        messages.error(request, errors.message(exc))
    else:
        messages.success(request, gettext("Refund cancelled: the money is refundable again."))
    return redirect("dashboard:refund", refund_id=refund.pk)


@require_POST
@member_required
def refund_mark_paid(request: MemberRequest, refund_id: UUID) -> HttpResponseBase:
    """A payout made where the gateway cannot see it (POST /refunds/{id}/mark-paid)."""
    refund = _merchant_refund(request, refund_id)
    form = MarkPaidForm(request.POST)
    if form.is_valid():
        try:
            refunds.mark_refund_paid(
                refund_id=refund.pk, txid=form.cleaned_data["txid"], actor=actor(request)
            )
        except GatewayError as exc:
            form.add_error("txid", errors.message(exc))
        else:
            messages.success(request, gettext("Refund marked paid."))
            return redirect("dashboard:refund", refund_id=refund.pk)
    return _refund_page(request, refund, mark_paid_form=form, status=422)


@require_POST
@member_required
def record_payout(request: MemberRequest, invoice_id: UUID) -> HttpResponseBase:
    """The merchant names the transaction that pays the refund out."""
    invoice = _invoice(request, invoice_id)
    form = PayoutForm(request.POST)
    if form.is_valid():
        try:
            merchant_actions.record_payout(
                invoice_id=invoice.pk,
                txid=form.cleaned_data["payout_txid"],
                actor=actor(request),
                refund_id=form.cleaned_data["refund"],
            )
        except GatewayError as exc:
            form.add_error("payout_txid", errors.message(exc))
        else:
            messages.success(
                request,
                gettext(
                    "Payout recorded. The refund completes when the transaction is seen on chain."
                ),
            )
            return redirect("dashboard:invoice", invoice_id=invoice.pk)
    return _detail(request, invoice, payout_form=form, status=422)


@require_POST
@member_required
def redeliver(request: MemberRequest, invoice_id: UUID, event_id: UUID) -> HttpResponseBase:
    """Send one event again now, with the same id, to every endpoint that has it."""
    event = get_object_or_404(
        Event.objects.select_related("invoice", "merchant"),
        merchant=request.merchant,
        invoice_id=invoice_id,
        pk=event_id,
    )
    try:
        attempts = callbacks.redeliver_event(event)
    except GatewayError as exc:
        messages.error(request, errors.message(exc))
    else:
        for attempt in attempts:
            result = f"HTTP {attempt.status_code}" if attempt.status_code else attempt.error
            (messages.success if attempt.succeeded else messages.error)(
                request,
                gettext("Event #%(n)s redelivered: %(result)s in %(ms)s ms.")
                % {"n": event.sequence, "result": result, "ms": attempt.duration_ms},
            )
    return redirect(reverse("dashboard:invoice", args=[event.invoice_id]) + "#deliveries")
