"""The merchant API: parse, call a service, render. Every lookup is scoped to the key's
merchant, so another merchant's object is a 404."""

import hashlib
import json
from datetime import datetime

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from chains import registry
from chains.backends import sandbox
from invoices import money, rates, services
from invoices import sandbox as sandbox_payments
from invoices.api import serializers as s
from invoices.api.pagination import keyset_page
from invoices.models import Invoice, Status
from invoices.representation import (
    invoice_payload,
    iso_time,
    refund_payload,
    scanned_heights,
)
from invoices.tasks import scan_network
from merchants import services as merchant_services
from merchants.auth import actor_of
from merchants.models import Wallet


def _invoice(request, invoice_id=None, foreign_id=None) -> Invoice:
    lookup = {"pk": invoice_id} if invoice_id else {"foreign_id": foreign_id}
    return get_object_or_404(
        Invoice.objects.select_related("quote").prefetch_related("transactions", "refunds"),
        merchant=request.user, **lookup)


def _render(invoice_id, code=status.HTTP_200_OK) -> Response:
    invoice = (Invoice.objects.select_related("quote").prefetch_related("transactions", "refunds")
               .get(pk=invoice_id))
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
    return parsed


class InvoicesView(APIView):
    @extend_schema(request=s.InvoiceCreateSerializer, responses={201: dict})
    def post(self, request):
        request_data = _validated(s.InvoiceCreateSerializer, request)
        idempotency = None
        if key := request.headers.get("Idempotency-Key"):
            if len(key) > 255:
                raise ValidationError({"Idempotency-Key": ["at most 255 characters"]})
            body = json.dumps(request.data, sort_keys=True, separators=(",", ":"))
            idempotency = (key, hashlib.sha256(body.encode()).hexdigest())
        payload, created = services.create_invoice(
            request.user, request_data.to_request(), actor_of(request), idempotency)
        return Response(payload, status=status.HTTP_201_CREATED,
                        headers={} if created else {"Idempotent-Replayed": "true"})

    def get(self, request):
        params = request.query_params
        invoices = (Invoice.objects.filter(merchant=request.user)
                    .select_related("quote").prefetch_related("transactions", "refunds"))
        if value := params.get("status"):
            if value not in set(Status):
                raise ValidationError({"status": [f"unknown status {value!r}"]})
            invoices = invoices.filter(status=value)
        if value := params.get("foreign_id"):
            invoices = invoices.filter(foreign_id=value)
        if value := params.get("archived"):
            if value not in ("true", "false"):
                raise ValidationError({"archived": ["true or false"]})
            invoices = invoices.filter(archived=value == "true")
        if value := _datetime_param(request, "created_after"):
            invoices = invoices.filter(created_at__gte=value)
        if value := _datetime_param(request, "created_before"):
            invoices = invoices.filter(created_at__lt=value)
        page, more, cursor = keyset_page(invoices, params)
        heights = scanned_heights()
        return Response({"data": [invoice_payload(invoice, heights) for invoice in page],
                         "has_more": more, "next_cursor": cursor})


class InvoiceView(APIView):
    def get(self, request, invoice_id=None, foreign_id=None):
        return Response(invoice_payload(_invoice(request, invoice_id, foreign_id)))


class CancelView(APIView):
    @extend_schema(request=None, responses={200: dict})
    def post(self, request, invoice_id=None, foreign_id=None):
        invoice = _invoice(request, invoice_id, foreign_id)
        services.cancel(invoice.pk, actor_of(request))
        return _render(invoice.pk)


class ArchiveView(APIView):
    archived = True

    @extend_schema(request=None, responses={200: dict})
    def post(self, request, invoice_id):
        invoice = _invoice(request, invoice_id)
        services.set_archived(invoice.pk, self.archived, actor_of(request))
        return _render(invoice.pk)


class UnarchiveView(ArchiveView):
    archived = False


class ResolveView(APIView):
    @extend_schema(request=s.ResolveSerializer, responses={200: dict})
    def post(self, request, invoice_id):
        invoice = _invoice(request, invoice_id)
        data = _validated(s.ResolveSerializer, request, actions=["complete", "refund"])
        _, refund = services.resolve(invoice.pk, data.validated_data["action"], actor_of(request),
                                     data.validated_data["refund_amount"])
        if refund is not None:
            return Response(refund_payload(refund))
        return _render(invoice.pk)


class ReviewView(APIView):
    @extend_schema(request=s.ActionSerializer, responses={200: dict})
    def post(self, request, invoice_id):
        invoice = _invoice(request, invoice_id)
        data = _validated(s.ActionSerializer, request, actions=["approve", "decline"])
        services.review(invoice.pk, data.validated_data["action"], actor_of(request))
        return _render(invoice.pk)


class CurrenciesView(APIView):
    def get(self, request):
        overrides = request.user.confirmations
        data = []
        for asset in services.offered_methods(request.user):
            network = registry.get_network(asset.network)
            data.append({
                "currency": asset.code, "network": asset.network, "network_name": network.name,
                "decimals": asset.decimals, "contract": asset.contract if network.kind != "sandbox"
                else None,
                "confirmations": network.required_confirmations(0, overrides.get(network.code)),
            })
        return Response({"data": data})


class RatesView(APIView):
    def get(self, request):
        base = request.query_params.get("base", "").upper()
        quote = request.query_params.get("quote", "").upper()
        if not base or not quote:
            raise ValidationError({"base": ["give base and quote, e.g. ?base=BTC&quote=USD"]})
        try:
            rate = rates.get_rate(base, quote)
        except rates.RateError as exc:
            raise services.ServiceError("rate_unavailable", str(exc), "base") from exc
        return Response({"base": base, "quote": quote, "rate": format(rate.value, "f"),
                         "source": rate.source,
                         "fetched_at": iso_time(rate.fetched_at)})


class MerchantView(APIView):
    @extend_schema(responses={200: s.MerchantSerializer})
    def get(self, request):
        return Response(s.MerchantSerializer(request.user).data)

    @extend_schema(request=s.MerchantSerializer, responses={200: s.MerchantSerializer})
    def patch(self, request):
        serializer = s.MerchantSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        before = request.user.callback_url
        serializer.save()
        merchant_services.callback_url_changed(request.user, before, "api")
        return Response(serializer.data)


class RotateSecretView(APIView):
    @extend_schema(request=None, responses={200: dict})
    def post(self, request):
        return Response({"callback_secret":
                         merchant_services.rotate_callback_secret(request.user)})


class WalletsView(APIView):
    def get(self, request):
        wallets = Wallet.objects.filter(merchant=request.user).order_by("family")
        return Response({"data": [s.wallet_payload(wallet) for wallet in wallets]})


class WalletView(APIView):
    @extend_schema(request=s.WalletSerializer, responses={200: dict})
    def put(self, request, family):
        data = _validated(s.WalletSerializer, request)
        wallet = merchant_services.set_wallet(request.user, family, data.validated_data["xpub"])
        return Response(s.wallet_payload(wallet))


class SandboxMixin:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not settings.SANDBOX:
            raise services.NotFound("sandbox_off", "the sandbox network is off")


class SandboxPayView(SandboxMixin, APIView):
    @extend_schema(request=s.SandboxPaySerializer, responses={200: dict})
    def post(self, request, invoice_id):
        invoice = _invoice(request, invoice_id)
        data = _validated(s.SandboxPaySerializer, request).validated_data
        quote = sandbox_payments.sandbox_quote(invoice)
        amount = None
        if "amount" in data:
            decimals = registry.get_network(quote.network).asset(quote.asset).decimals
            try:
                amount = money.to_units(data["amount"], decimals)
            except money.AmountError as exc:
                raise services.ServiceError(exc.code, str(exc), "amount") from None
        sandbox_payments.pay(invoice, amount, data.get("sender"), data["confirm"])
        return _render(invoice.pk)


class SandboxMineView(SandboxMixin, APIView):
    @extend_schema(request=s.MineSerializer, responses={200: dict})
    def post(self, request):
        blocks = _validated(s.MineSerializer, request).validated_data["blocks"]
        height = sandbox.mine(blocks)
        scan_network(sandbox.NETWORK)
        return Response({"height": height})
