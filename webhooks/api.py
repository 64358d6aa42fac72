"""The merchant-level API: the merchant's settings (its callback URL checked by the egress
guard) and callback secret, its wallets, the event log with its delivery attempts,
redelivery, and a test event. Every lookup is scoped to the key's merchant, so another
merchant's event is a 404."""

import uuid

from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from invoices.api import schema as doc
from invoices.api import serializers as s
from invoices.api.idempotency import idempotent
from invoices.api.pagination import keyset_page
from invoices.models import Event
from invoices.representation import (
    CallbackSecretResponse,
    DeliveryAttemptResponse,
    EventPage,
    EventResponse,
    WalletPage,
    WalletResponse,
    wallet_payload,
)
from merchants import services as merchant_services
from merchants.auth import actor_of
from merchants.models import Wallet
from webhooks import callbacks
from webhooks.models import DeliveryAttempt


def event_payload(event: Event) -> dict:
    return EventResponse.render(event, delivery_status=callbacks.delivery_state(event))


def _events(request):
    return (
        Event.objects.filter(merchant=request.user, invoice__livemode=request.auth.livemode)
        .select_related("invoice")
        .prefetch_related("delivery_attempts")
    )


def _bool_param(request, name):
    value = request.query_params.get(name)
    if value not in (None, "true", "false"):
        raise ValidationError({name: ["true or false"]})
    return None if value is None else value == "true"


class EventsView(APIView):
    @extend_schema(
        operation_id="listEvents",
        tags=["Events"],
        summary="Callback events with their delivery attempts, newest first",
        parameters=[
            OpenApiParameter("invoice", OpenApiTypes.UUID, description="an invoice id"),
            OpenApiParameter("type", doc.component("EventType")),
            OpenApiParameter("delivered", bool),
            OpenApiParameter(
                "failing", bool, description="not delivered, and at least one attempt failed"
            ),
            doc.CURSOR,
            doc.LIMIT,
        ],
        responses={200: EventPage, **doc.errors(400)},
    )
    def get(self, request):
        """Newest first, cursor-paginated; filters `invoice`, `type`, `delivered` and
        `failing` (not delivered, and at least one attempt failed)."""
        params = request.query_params
        events = _events(request)
        # A filter given empty is refused, not ignored: the schema says what it must be.
        if (value := params.get("invoice")) is not None:
            try:
                events = events.filter(invoice_id=uuid.UUID(value))
            except ValueError:
                raise ValidationError({"invoice": ["an invoice id"]}) from None
        if (value := params.get("type")) is not None:
            if value not in Event.TYPES:
                raise ValidationError({"type": [f"one of {', '.join(Event.TYPES)}"]})
            events = events.filter(type=value)
        if (delivered := _bool_param(request, "delivered")) is not None:
            events = events.filter(delivered_at__isnull=not delivered)
        if (failing := _bool_param(request, "failing")) is not None:
            failed_try = DeliveryAttempt.objects.filter(event=OuterRef("pk"))
            condition = Q(delivered_at__isnull=True) & Q(Exists(failed_try))
            events = events.filter(condition if failing else ~condition)
        page, more, cursor = keyset_page(events, params)
        return Response(
            EventPage.render(
                data=[event_payload(event) for event in page],
                has_more=more,
                next_cursor=cursor,
            )
        )


class RedeliverView(APIView):
    atomic_request = False  # its claim on the event must be seen by workers while it waits

    @extend_schema(
        operation_id="redeliverEvent",
        tags=["Events"],
        summary="Send an event again",
        parameters=[OpenApiParameter("event_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        request=None,
        responses={200: EventResponse, **doc.errors(400, 404, 409, 415, 422)},
    )
    @idempotent
    def post(self, request, event_id):
        """Send the event again now, with the same id; answers with the event and its log."""
        event = get_object_or_404(
            Event.objects.select_related("invoice", "merchant"),
            merchant=request.user,
            pk=event_id,
            invoice__livemode=request.auth.livemode,
        )
        callbacks.redeliver(event)
        return Response(event_payload(get_object_or_404(_events(request), pk=event_id)))


class TestCallbackView(APIView):
    required_scope = "admin"
    atomic_request = False  # it waits on the receiver and writes nothing

    @extend_schema(
        operation_id="sendTestCallback",
        tags=["Merchant"],
        summary="Send a signed test event to the merchant's callback URL",
        request=None,
        responses={200: DeliveryAttemptResponse, **doc.errors(400, 403, 409, 415, 422)},
    )
    @idempotent
    def post(self, request):
        """Send a signed `test` event to the merchant's callback URL and say what happened."""
        return Response(DeliveryAttemptResponse.render(callbacks.send_test_event(request.user)))


class MerchantView(APIView):
    required_scope = "admin"

    @extend_schema(
        operation_id="getMerchant",
        tags=["Merchant"],
        summary="The merchant's settings",
        responses={200: s.MerchantSerializer, **doc.errors(403)},
    )
    def get(self, request):
        return Response(s.MerchantSerializer(request.user).data)

    @extend_schema(
        operation_id="updateMerchant",
        tags=["Merchant"],
        summary="Change some of the merchant's settings",
        request=s.MerchantSerializer,
        responses={200: s.MerchantSerializer, **doc.errors(400, 403, 415)},
    )
    def patch(self, request):
        serializer = s.MerchantSerializer(
            request.user, data=request.data, partial=True, context={"actor": actor_of(request)}
        )
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)


class RotateSecretView(APIView):
    required_scope = "admin"

    @extend_schema(
        operation_id="rotateCallbackSecret",
        tags=["Merchant"],
        summary="A new callback secret, shown once (the old one signs for 24 h)",
        request=None,
        responses={200: CallbackSecretResponse, **doc.errors(400, 403, 409, 415)},
    )
    @idempotent
    def post(self, request):
        secret = merchant_services.rotate_callback_secret(
            merchant=request.user, actor=actor_of(request)
        )
        return Response(CallbackSecretResponse.render(callback_secret=secret))


class WalletsView(APIView):
    required_scope = "admin"

    @extend_schema(
        operation_id="listWallets",
        tags=["Wallets"],
        summary="The merchant's wallets (account xpubs)",
        responses={200: WalletPage, **doc.errors(403)},
    )
    def get(self, request):
        wallets = Wallet.objects.filter(merchant=request.user).order_by("family")
        return Response(
            WalletPage.render(
                data=[wallet_payload(wallet) for wallet in wallets],
                has_more=False,
                next_cursor=None,
            )
        )


class WalletView(APIView):
    required_scope = "admin"

    @extend_schema(
        operation_id="setWallet",
        tags=["Wallets"],
        summary="Set or replace a family's account xpub",
        parameters=[
            OpenApiParameter("family", doc.component("WalletFamily"), OpenApiParameter.PATH)
        ],
        request=s.WalletSerializer,
        responses={200: WalletResponse, **doc.errors(400, 403, 409, 415)},
    )
    def put(self, request, family):
        data = s.WalletSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wallet = merchant_services.set_wallet(
            merchant=request.user,
            family=family,
            xpub=data.validated_data["xpub"],
            actor=actor_of(request),
        )
        return Response(wallet_payload(wallet))
