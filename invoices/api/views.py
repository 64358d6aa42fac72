"""The merchant API: parse, call a service, render. Every lookup is scoped to the key's
merchant, so another merchant's object is a 404."""

import dataclasses
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from chains import registry
from chains.backends import sandbox
from core.errors import ErrorCode, GatewayError
from invoices import money, rates, selectors
from invoices import sandbox as sandbox_payments
from invoices.api import schema as doc
from invoices.api import serializers as s
from invoices.api.idempotency import idempotent
from invoices.api.pagination import in_range, keyset_page
from invoices.lifecycle import RefundStatus
from invoices.models import Invoice, Refund, Status
from invoices.representation import (
    CurrencyPage,
    InvoicePage,
    InvoiceResponse,
    RateResponse,
    RefundPage,
    RefundResponse,
    ResolveResult,
    SandboxHeightResponse,
    currency_payload,
    invoice_payload,
    refund_payload,
)
from invoices.scanning import scan_network
from invoices.selectors import tip_heights
from invoices.services import creation, merchant_actions, reconciliation, refunds
from merchants.auth import actor_of
from merchants.models import TEST


def _invoice(request, invoice_id=None, foreign_id=None) -> Invoice:
    """The merchant's invoice as it is now: one whose timer ran out is expired first."""
    lookup = {"pk": invoice_id} if invoice_id else {"foreign_id": foreign_id}
    found = Invoice.objects.select_related("quote").prefetch_related("transactions", "refunds")
    invoice = get_object_or_404(
        found, merchant=request.user, livemode=request.auth.livemode, **lookup
    )
    if reconciliation.expire_if_due(invoice):
        return found.get(pk=invoice.pk)
    return invoice


def _render(invoice_id, code=status.HTTP_200_OK) -> Response:
    invoice = (
        Invoice.objects.select_related("quote")
        .prefetch_related("transactions", "refunds")
        .get(pk=invoice_id)
    )
    return Response(invoice_payload(invoice), status=code)


def _validated(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer


def _datetime_param(request, name):
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError({name: ["an ISO 8601 date or time"]}) from None
    if parsed.tzinfo is None:
        raise ValidationError({name: ["give a timezone, e.g. 2026-01-31T00:00:00Z"]})
    try:
        return in_range(parsed)
    except ValueError:
        raise ValidationError({name: ["a date between the years 1 and 9999"]}) from None


CREATED_RANGE = [
    OpenApiParameter(
        "created_after",
        OpenApiTypes.DATETIME,
        description="created at or after (with a timezone)",
    ),
    OpenApiParameter(
        "created_before",
        OpenApiTypes.DATETIME,
        description="created before (with a timezone)",
    ),
]


def _created_in_range(request, queryset):
    """`queryset` narrowed by the `created_after` / `created_before` parameters."""
    if value := _datetime_param(request, "created_after"):
        queryset = queryset.filter(created_at__gte=value)
    if value := _datetime_param(request, "created_before"):
        queryset = queryset.filter(created_at__lt=value)
    return queryset


INVOICE_PATH = [OpenApiParameter("invoice_id", OpenApiTypes.UUID, OpenApiParameter.PATH)]
FOREIGN_ID_PATH = [
    OpenApiParameter(
        "foreign_id", str, OpenApiParameter.PATH, description="your own id, given at creation"
    )
]


class InvoicesView(APIView):
    @extend_schema(
        operation_id="createInvoice",
        tags=["Invoices"],
        summary="Create an invoice",
        request=s.InvoiceCreateSerializer,
        responses={201: InvoiceResponse, **doc.errors(400, 409, 415, 422)},
    )
    @idempotent
    def post(self, request):
        request_data = _validated(s.InvoiceCreateSerializer, request)
        invoice_request = dataclasses.replace(
            request_data.to_request(), livemode=request.auth.livemode
        )
        payload = creation.create_invoice(
            merchant=request.user, request=invoice_request, actor=actor_of(request)
        )
        return Response(payload, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="listInvoices",
        tags=["Invoices"],
        summary="List invoices, newest first",
        parameters=[
            OpenApiParameter("status", doc.component("InvoiceStatus")),
            OpenApiParameter("foreign_id", str),
            OpenApiParameter(
                "search",
                str,
                description="an invoice id, your foreign_id, the customer's e-mail, a payment "
                "address or a transaction id (as the dashboard's search finds them)",
            ),
            OpenApiParameter("archived", bool),
            *CREATED_RANGE,
            doc.CURSOR,
            doc.LIMIT,
        ],
        responses={200: InvoicePage, **doc.errors(400)},
    )
    def get(self, request):
        params = request.query_params
        invoices = (
            Invoice.objects.filter(merchant=request.user, livemode=request.auth.livemode)
            .select_related("quote")
            .prefetch_related("transactions", "refunds")
        )
        # A filter given empty is refused, not ignored: the schema says what it must be.
        if (value := params.get("status")) is not None:
            if value not in set(Status):
                raise ValidationError({"status": [f"unknown status {value!r}"]})
            invoices = invoices.filter(status=value)
        if value := params.get("foreign_id"):
            invoices = invoices.filter(foreign_id=value)
        if value := params.get("search"):
            invoices = selectors.search(invoices, value)
        if (value := params.get("archived")) is not None:
            if value not in ("true", "false"):
                raise ValidationError({"archived": ["true or false"]})
            invoices = invoices.filter(archived=value == "true")
        invoices = _created_in_range(request, invoices)
        page, more, cursor = keyset_page(invoices, params)
        heights = tip_heights()
        return Response(
            InvoicePage.render(
                data=[invoice_payload(invoice, heights) for invoice in page],
                has_more=more,
                next_cursor=cursor,
            )
        )


class InvoiceView(APIView):
    @extend_schema(
        operation_id="getInvoice",
        tags=["Invoices"],
        summary="Read an invoice",
        parameters=INVOICE_PATH,
        responses={200: InvoiceResponse, **doc.errors(404)},
    )
    def get(self, request, invoice_id):
        return Response(invoice_payload(_invoice(request, invoice_id)))


class InvoiceByForeignIdView(APIView):
    @extend_schema(
        operation_id="getInvoiceByForeignId",
        tags=["Invoices"],
        summary="Read an invoice by your foreign_id",
        parameters=FOREIGN_ID_PATH,
        responses={200: InvoiceResponse, **doc.errors(404)},
    )
    def get(self, request, foreign_id):
        return Response(invoice_payload(_invoice(request, foreign_id=foreign_id)))


class CancelView(APIView):
    @extend_schema(
        operation_id="cancelInvoice",
        tags=["Invoices"],
        summary="Cancel an invoice (from new or pending only)",
        parameters=INVOICE_PATH,
        request=None,
        responses={200: InvoiceResponse, **doc.errors(400, 404, 409, 415)},
    )
    @idempotent
    def post(self, request, invoice_id):
        return self.cancel(request, _invoice(request, invoice_id))

    @staticmethod
    def cancel(request, invoice):
        merchant_actions.cancel(invoice_id=invoice.pk, actor=actor_of(request))
        return _render(invoice.pk)


class CancelByForeignIdView(APIView):
    @extend_schema(
        operation_id="cancelInvoiceByForeignId",
        tags=["Invoices"],
        summary="Cancel an invoice by your foreign_id",
        parameters=FOREIGN_ID_PATH,
        request=None,
        responses={200: InvoiceResponse, **doc.errors(400, 404, 409, 415)},
    )
    @idempotent
    def post(self, request, foreign_id):
        return CancelView.cancel(request, _invoice(request, foreign_id=foreign_id))


def _set_archived(request, invoice_id, archived: bool) -> Response:
    invoice = _invoice(request, invoice_id)
    merchant_actions.set_archived(invoice_id=invoice.pk, archived=archived, actor=actor_of(request))
    return _render(invoice.pk)


class ArchiveView(APIView):
    @extend_schema(
        operation_id="archiveInvoice",
        tags=["Invoices"],
        summary="Archive an invoice (hidden from default dashboard lists)",
        parameters=INVOICE_PATH,
        request=None,
        responses={200: InvoiceResponse, **doc.errors(400, 404, 409, 415)},
    )
    @idempotent
    def post(self, request, invoice_id):
        return _set_archived(request, invoice_id, True)


class UnarchiveView(APIView):
    @extend_schema(
        operation_id="unarchiveInvoice",
        tags=["Invoices"],
        summary="Unarchive an invoice",
        parameters=INVOICE_PATH,
        request=None,
        responses={200: InvoiceResponse, **doc.errors(400, 404, 409, 415)},
    )
    @idempotent
    def post(self, request, invoice_id):
        return _set_archived(request, invoice_id, False)


class ResolveView(APIView):
    @extend_schema(
        operation_id="resolveInvoice",
        tags=["Invoices"],
        summary="Resolve an unresolved or declined invoice: complete it or refund the payer",
        parameters=INVOICE_PATH,
        request=s.ResolveSerializer,
        responses={
            200: OpenApiResponse(ResolveResult, description="the invoice, or the refund offered"),
            **doc.errors(400, 404, 409, 415, 422),
        },
    )
    @idempotent
    def post(self, request, invoice_id):
        invoice = _invoice(request, invoice_id)
        data = _validated(s.ResolveSerializer, request).validated_data
        _, refund = merchant_actions.resolve(
            invoice_id=invoice.pk,
            action=data["action"],
            actor=actor_of(request),
            refund_amount=data["refund_amount"],
        )
        if refund is not None:
            return Response(refund_payload(refund))
        return _render(invoice.pk)


REFUND_PATH = [OpenApiParameter("refund_id", OpenApiTypes.UUID, OpenApiParameter.PATH)]


def _refunds(request):
    """The key's merchant's refunds (in the key's mode): another merchant's are not found."""
    return (
        Refund.objects.filter(
            invoice__merchant=request.user, invoice__livemode=request.auth.livemode
        )
        .select_related("invoice__quote")
        .prefetch_related("invoice__quotes")
    )


class InvoiceRefundsView(APIView):
    @extend_schema(
        operation_id="createRefund",
        tags=["Refunds"],
        summary="Refund what an invoice received, in full or in part",
        parameters=INVOICE_PATH,
        request=s.RefundCreateSerializer,
        responses={201: RefundResponse, **doc.errors(400, 404, 409, 415, 422)},
    )
    @idempotent
    def post(self, request, invoice_id):
        invoice = _invoice(request, invoice_id)
        data = _validated(s.RefundCreateSerializer, request).validated_data
        refund = refunds.create_refund(invoice_id=invoice.pk, actor=actor_of(request), **data)
        return Response(refund_payload(refund), status=status.HTTP_201_CREATED)


class RefundsView(APIView):
    @extend_schema(
        operation_id="listRefunds",
        tags=["Refunds"],
        summary="List refunds, newest first",
        parameters=[
            OpenApiParameter("invoice", OpenApiTypes.UUID, description="an invoice's id"),
            OpenApiParameter("status", doc.component("RefundStatus")),
            *CREATED_RANGE,
            doc.CURSOR,
            doc.LIMIT,
        ],
        responses={200: RefundPage, **doc.errors(400)},
    )
    def get(self, request):
        params = request.query_params
        found = _refunds(request)
        # A filter given empty is refused, not ignored, as on the invoice list.
        if (value := params.get("invoice")) is not None:
            try:
                found = found.filter(invoice_id=Refund._meta.pk.to_python(value))
            except DjangoValidationError:
                raise ValidationError({"invoice": ["an invoice id (a UUID)"]}) from None
        if (value := params.get("status")) is not None:
            if value not in set(RefundStatus):
                raise ValidationError({"status": [f"unknown status {value!r}"]})
            found = found.filter(status=value)
        found = _created_in_range(request, found)
        page, more, cursor = keyset_page(found, params)
        heights = tip_heights()
        return Response(
            RefundPage.render(
                data=[refund_payload(refund, heights=heights) for refund in page],
                has_more=more,
                next_cursor=cursor,
            )
        )


class RefundView(APIView):
    @extend_schema(
        operation_id="getRefund",
        tags=["Refunds"],
        summary="Read a refund",
        parameters=REFUND_PATH,
        responses={200: RefundResponse, **doc.errors(404)},
    )
    def get(self, request, refund_id):
        return Response(refund_payload(get_object_or_404(_refunds(request), pk=refund_id)))


def _refund_answer(refund_id):
    found = Refund.objects.select_related("invoice__quote").prefetch_related("invoice__quotes")
    return Response(refund_payload(found.get(pk=refund_id)))


class RefundCancelView(APIView):
    @extend_schema(
        operation_id="cancelRefund",
        tags=["Refunds"],
        summary="Cancel a refund not paid yet: what it offered is refundable again",
        parameters=REFUND_PATH,
        request=None,
        responses={200: RefundResponse, **doc.errors(400, 404, 409, 415)},
    )
    @idempotent
    def post(self, request, refund_id):
        refund = get_object_or_404(_refunds(request), pk=refund_id)
        refunds.cancel_refund(refund_id=refund.pk, actor=actor_of(request))
        return _refund_answer(refund.pk)


class RefundMarkPaidView(APIView):
    @extend_schema(
        operation_id="markRefundPaid",
        tags=["Refunds"],
        summary="Mark a refund paid by a transaction the gateway cannot see (an exchange)",
        parameters=REFUND_PATH,
        request=s.RefundMarkPaidSerializer,
        responses={200: RefundResponse, **doc.errors(400, 404, 409, 415, 422)},
    )
    @idempotent
    def post(self, request, refund_id):
        refund = get_object_or_404(_refunds(request), pk=refund_id)
        data = _validated(s.RefundMarkPaidSerializer, request).validated_data
        refunds.mark_refund_paid(refund_id=refund.pk, txid=data["txid"], actor=actor_of(request))
        return _refund_answer(refund.pk)


class ReviewView(APIView):
    @extend_schema(
        operation_id="reviewInvoice",
        tags=["Invoices"],
        summary="Approve or decline an invoice in compliance_review",
        parameters=INVOICE_PATH,
        request=s.ReviewSerializer,
        responses={200: InvoiceResponse, **doc.errors(400, 404, 409, 415, 422)},
    )
    @idempotent
    def post(self, request, invoice_id):
        invoice = _invoice(request, invoice_id)
        data = _validated(s.ReviewSerializer, request)
        merchant_actions.review(
            invoice_id=invoice.pk, action=data.validated_data["action"], actor=actor_of(request)
        )
        return _render(invoice.pk)


class CurrenciesView(APIView):
    @extend_schema(
        operation_id="listCurrencies",
        tags=["Payment methods"],
        summary="The payment methods this merchant offers",
        responses={200: CurrencyPage, **doc.errors()},
    )
    def get(self, request):
        methods = selectors.offered_methods(merchant=request.user, livemode=request.auth.livemode)
        data = [currency_payload(asset, request.user.confirmations) for asset in methods]
        return Response(CurrencyPage.render(data=data, has_more=False, next_cursor=None))


class RatesView(APIView):
    @extend_schema(
        operation_id="getRate",
        tags=["Payment methods"],
        summary="The current rate of a pair and when it was fetched",
        parameters=[
            OpenApiParameter("base", str, required=True, description="e.g. BTC"),
            OpenApiParameter("quote", str, required=True, description="e.g. USD"),
        ],
        responses={200: RateResponse, **doc.errors(400, 422)},
    )
    def get(self, request):
        base = request.query_params.get("base", "").upper()
        quote = request.query_params.get("quote", "").upper()
        if not base or not quote:
            raise ValidationError({"base": ["give base and quote, e.g. ?base=BTC&quote=USD"]})
        try:
            rate = rates.get_rate(base, quote)
        except rates.RateError as exc:
            raise GatewayError(ErrorCode.RATE_UNAVAILABLE, "base", message=str(exc)) from exc
        return Response(RateResponse.render(rate, base=base, quote=quote))


class SandboxMixin:
    """The sandbox's operations: for test keys only, and only while the sandbox is on."""

    required_mode = TEST

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not settings.SANDBOX:
            raise GatewayError(ErrorCode.SANDBOX_OFF)


class SandboxPayView(SandboxMixin, APIView):
    @extend_schema(
        operation_id="paySandboxInvoice",
        tags=["Sandbox"],
        summary="Pay an invoice on the sandbox network",
        description="Sends a sandbox transaction to the invoice's address (a payment "
        "method is chosen first if needed); `confirm: true` also mines "
        "it to the required confirmations. Only when the sandbox is on.",
        parameters=INVOICE_PATH,
        request=s.SandboxPaySerializer,
        responses={200: InvoiceResponse, **doc.errors(400, 403, 404, 409, 415, 422)},
    )
    @idempotent
    def post(self, request, invoice_id):
        invoice = _invoice(request, invoice_id)
        data = _validated(s.SandboxPaySerializer, request).validated_data
        quote = sandbox_payments.sandbox_quote(invoice)
        amount = None
        if "amount" in data:
            decimals = registry.get_network(quote.network).asset(quote.asset).decimals
            try:
                amount = money.to_units(data["amount"], decimals)
            except GatewayError as exc:
                exc.param = "amount"
                raise
        sandbox_payments.pay(invoice, amount, data.get("sender"), data["confirm"])
        return _render(invoice.pk)


class SandboxMineView(SandboxMixin, APIView):
    @extend_schema(
        operation_id="mineSandboxBlocks",
        tags=["Sandbox"],
        summary="Mine sandbox blocks (and scan them)",
        request=s.MineSerializer,
        responses={200: SandboxHeightResponse, **doc.errors(400, 403, 404, 409, 415)},
    )
    @idempotent
    def post(self, request):
        blocks = _validated(s.MineSerializer, request).validated_data["blocks"]
        height = sandbox.mine(blocks)
        scan_network(sandbox.NETWORK)
        return Response(SandboxHeightResponse.render(height=height))
