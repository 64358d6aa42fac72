"""The merchant-level API: the merchant's settings (its callback URL checked by the egress
guard) and callback secret, its wallets, its webhook endpoints with their delivery logs, the
event log with its delivery attempts, redelivery, and a test event. Every lookup is scoped
to the key's merchant, so another merchant's event or endpoint is a 404."""

import uuid

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
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
    iso_time,
    wallet_payload,
)
from merchants import services as merchant_services
from merchants.auth import actor_of
from merchants.models import Wallet
from webhooks import callbacks, endpoints
from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint
from webhooks.serializers import (
    DeliveryPage,
    DeliveryResponse,
    MerchantSerializer,
    WebhookEndpointPage,
    WebhookEndpointRequest,
    WebhookEndpointResponse,
    WebhookEndpointSecretResponse,
    WebhookEndpointUpdateRequest,
    delivery_payload,
)


def event_payload(event: Event) -> dict:
    """The event and, over its deliveries (to one endpoint when the list is filtered by
    it), where its delivery stands."""
    deliveries = list(event.deliveries.all())
    state = callbacks.event_state(deliveries)
    return EventResponse.render(
        event,
        delivery_status=state,
        delivered_at=iso_time(
            max(d.delivered_at for d in deliveries if d.delivered_at)
            if state == "delivered"
            else None
        ),
        next_attempt_at=iso_time(
            min((d.next_attempt_at for d in deliveries if d.next_attempt_at), default=None)
        ),
        failed_at=iso_time(max((d.failed_at for d in deliveries if d.failed_at), default=None)),
    )


def _events(request, endpoint_id=None):
    deliveries = Delivery.objects.prefetch_related("attempts")
    if endpoint_id is not None:
        deliveries = deliveries.filter(endpoint_id=endpoint_id)
    return (
        Event.objects.filter(merchant=request.user, invoice__livemode=request.auth.livemode)
        .select_related("invoice")
        .prefetch_related("delivery_attempts", Prefetch("deliveries", queryset=deliveries))
    )


def _uuid(value: str, name: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ValidationError({name: [what]}) from None


def _endpoint(request, endpoint_id) -> WebhookEndpoint:
    return get_object_or_404(
        WebhookEndpoint.objects.select_related("merchant"), merchant=request.user, pk=endpoint_id
    )


def _with_default_endpoint(merchant):
    """The merchant, carrying its default endpoint for MerchantSerializer."""
    merchant.default_endpoint = endpoints.default_endpoint(merchant.pk) or WebhookEndpoint(url="")
    return merchant


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
            OpenApiParameter(
                "endpoint",
                OpenApiTypes.UUID,
                description="a webhook endpoint id: its deliveries only",
            ),
            OpenApiParameter("type", doc.component("EventType")),
            OpenApiParameter("delivered", bool),
            OpenApiParameter(
                "failing", bool, description="not delivered, and at least one attempt failed"
            ),
            doc.CURSOR,
            doc.LIMIT,
        ],
        responses={200: EventPage, **doc.errors(400, 404)},
    )
    def get(self, request):
        """Newest first, cursor-paginated; filters `invoice`, `endpoint`, `type`, `delivered`
        (to every endpoint that wanted it) and `failing` (not delivered, and at least one
        attempt failed); an endpoint not the merchant's is a 404."""
        params = request.query_params
        # A filter given empty is refused, not ignored: the schema says what it must be.
        endpoint = None
        if (value := params.get("endpoint")) is not None:
            endpoint = _endpoint(request, _uuid(value, "endpoint", "a webhook endpoint id"))
        events = _events(request, endpoint and endpoint.pk)
        if endpoint is not None:
            events = events.filter(deliveries__endpoint=endpoint)
        if (value := params.get("invoice")) is not None:
            events = events.filter(invoice_id=_uuid(value, "invoice", "an invoice id"))
        if (value := params.get("type")) is not None:
            if value not in Event.TYPES:
                raise ValidationError({"type": [f"one of {', '.join(Event.TYPES)}"]})
            events = events.filter(type=value)
        undelivered = Delivery.objects.filter(event=OuterRef("pk"), delivered_at__isnull=True)
        if endpoint is not None:
            undelivered = undelivered.filter(endpoint=endpoint)
        if (delivered := _bool_param(request, "delivered")) is not None:
            condition = Exists(Delivery.objects.filter(event=OuterRef("pk"))) & ~Exists(undelivered)
            events = events.filter(condition if delivered else ~condition)
        if (failing := _bool_param(request, "failing")) is not None:
            failed_try = DeliveryAttempt.objects.filter(
                delivery__event=OuterRef("pk"), delivery__delivered_at__isnull=True
            )
            if endpoint is not None:
                failed_try = failed_try.filter(delivery__endpoint=endpoint)
            events = events.filter(Q(Exists(failed_try)) if failing else ~Q(Exists(failed_try)))
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
        """Send the event again now, with the same id, to every endpoint that has it;
        answers with the event and its log."""
        event = get_object_or_404(
            Event.objects.select_related("invoice", "merchant"),
            merchant=request.user,
            pk=event_id,
            invoice__livemode=request.auth.livemode,
        )
        callbacks.redeliver_event(event)
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
        endpoint = endpoints.default_endpoint(request.user.pk)
        return Response(DeliveryAttemptResponse.render(callbacks.send_test_event(endpoint)))


class MerchantView(APIView):
    required_scope = "admin"

    @extend_schema(
        operation_id="getMerchant",
        tags=["Merchant"],
        summary="The merchant's settings",
        responses={200: MerchantSerializer, **doc.errors(403)},
    )
    def get(self, request):
        return Response(MerchantSerializer(_with_default_endpoint(request.user)).data)

    @extend_schema(
        operation_id="updateMerchant",
        tags=["Merchant"],
        summary="Change some of the merchant's settings",
        request=MerchantSerializer,
        responses={200: MerchantSerializer, **doc.errors(400, 403, 415)},
    )
    def patch(self, request):
        """`callback_url` is the default webhook endpoint's URL: set, it changes that
        endpoint (made, with a new secret, if the merchant has none); blank, the endpoint
        stays, with its secret, and is sent only invoices' own callback_url."""
        serializer = MerchantSerializer(
            _with_default_endpoint(request.user),
            data=request.data,
            partial=True,
            context={"actor": actor_of(request)},
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
        secret = endpoints.rotate_callback_secret(merchant=request.user, actor=actor_of(request))
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
        description=(
            "The `monero` family takes `address` and `view_key` instead of `xpub`: the view "
            "key must belong to the address (else `view_key_mismatch`), is stored sealed "
            "and is never shown again; the answer's `xpub` is the address."
        ),
        request=PolymorphicProxySerializer(
            component_name="WalletRequest",
            serializers=[s.WalletSerializer, s.MoneroWalletSerializer],
            resource_type_field_name=None,
        ),
        responses={200: WalletResponse, **doc.errors(400, 403, 409, 415, 422)},
    )
    def put(self, request, family):
        if family == merchant_services.MONERO:
            keys = s.MoneroWalletSerializer(data=request.data)
            keys.is_valid(raise_exception=True)
            wallet = merchant_services.set_monero_wallet(
                merchant=request.user, **keys.validated_data, actor=actor_of(request)
            )
            return Response(wallet_payload(wallet))
        data = s.WalletSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wallet = merchant_services.set_wallet(
            merchant=request.user,
            family=family,
            xpub=data.validated_data["xpub"],
            actor=actor_of(request),
        )
        return Response(wallet_payload(wallet))


# --- webhook endpoints ----------------------------------------------------------------------

ENDPOINT_ID = OpenApiParameter("endpoint_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class EndpointsView(APIView):
    required_scope = "admin"

    @extend_schema(
        operation_id="listWebhookEndpoints",
        tags=["Webhook endpoints"],
        summary="The merchant's webhook endpoints, newest first",
        parameters=[doc.CURSOR, doc.LIMIT],
        responses={200: WebhookEndpointPage, **doc.errors(400, 403)},
    )
    def get(self, request):
        page, more, cursor = keyset_page(
            WebhookEndpoint.objects.filter(merchant=request.user), request.query_params
        )
        return Response(
            WebhookEndpointPage.render(
                data=[WebhookEndpointResponse.render(endpoint) for endpoint in page],
                has_more=more,
                next_cursor=cursor,
            )
        )

    @extend_schema(
        operation_id="createWebhookEndpoint",
        tags=["Webhook endpoints"],
        summary="A new webhook endpoint; its secret is shown once, in this answer",
        request=WebhookEndpointRequest,
        responses={201: WebhookEndpointSecretResponse, **doc.errors(400, 403, 409, 415, 422)},
    )
    @idempotent
    def post(self, request):
        data = WebhookEndpointRequest(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = endpoints.create_endpoint(
            merchant=request.user, actor=actor_of(request), **data.validated_data
        )
        return Response(WebhookEndpointSecretResponse.render(endpoint), status=201)


class EndpointView(APIView):
    required_scope = "admin"

    @extend_schema(
        operation_id="getWebhookEndpoint",
        tags=["Webhook endpoints"],
        summary="A webhook endpoint",
        parameters=[ENDPOINT_ID],
        responses={200: WebhookEndpointResponse, **doc.errors(403, 404)},
    )
    def get(self, request, endpoint_id):
        return Response(WebhookEndpointResponse.render(_endpoint(request, endpoint_id)))

    @extend_schema(
        operation_id="updateWebhookEndpoint",
        tags=["Webhook endpoints"],
        summary="Change an endpoint's url, events or enabled",
        parameters=[ENDPOINT_ID],
        request=WebhookEndpointUpdateRequest,
        responses={200: WebhookEndpointResponse, **doc.errors(400, 403, 404, 415, 422)},
    )
    def patch(self, request, endpoint_id):
        endpoint = _endpoint(request, endpoint_id)
        data = WebhookEndpointUpdateRequest(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        endpoint = endpoints.update_endpoint(
            endpoint=endpoint, changes=dict(data.validated_data), actor=actor_of(request)
        )
        return Response(WebhookEndpointResponse.render(endpoint))

    @extend_schema(
        operation_id="deleteWebhookEndpoint",
        tags=["Webhook endpoints"],
        summary="Delete an endpoint and its deliveries (not the default one)",
        parameters=[ENDPOINT_ID],
        responses={200: WebhookEndpointResponse, **doc.errors(403, 404, 409)},
    )
    def delete(self, request, endpoint_id):
        """Answers with the endpoint as it was."""
        endpoint = _endpoint(request, endpoint_id)
        shown = WebhookEndpointResponse.render(endpoint)
        endpoints.delete_endpoint(endpoint=endpoint, actor=actor_of(request))
        return Response(shown)


class EndpointRotateSecretView(APIView):
    required_scope = "admin"

    @extend_schema(
        operation_id="rotateWebhookEndpointSecret",
        tags=["Webhook endpoints"],
        summary="A new secret for the endpoint, shown once (the old one signs for 24 h)",
        parameters=[ENDPOINT_ID],
        request=None,
        responses={200: WebhookEndpointSecretResponse, **doc.errors(400, 403, 404, 409, 415)},
    )
    @idempotent
    def post(self, request, endpoint_id):
        endpoint = _endpoint(request, endpoint_id)
        endpoints.rotate_secret(endpoint=endpoint, actor=actor_of(request))
        endpoint.refresh_from_db()
        return Response(WebhookEndpointSecretResponse.render(endpoint))


def _deliveries(request, endpoint_id):
    """The endpoint's deliveries of our events (a Greenfield one's InvoiceCreated is the
    Greenfield layer's to show)."""
    return (
        Delivery.objects.filter(
            endpoint=_endpoint(request, endpoint_id), invoice__livemode=request.auth.livemode
        )
        .exclude(event__type=Event.CREATED)
        .select_related("event", "endpoint", "invoice")
        .prefetch_related("attempts")
    )


class EndpointDeliveriesView(APIView):
    required_scope = "admin"

    @extend_schema(
        operation_id="listWebhookEndpointDeliveries",
        tags=["Webhook endpoints"],
        summary="The endpoint's deliveries with their attempts, newest first",
        parameters=[ENDPOINT_ID, doc.CURSOR, doc.LIMIT],
        responses={200: DeliveryPage, **doc.errors(400, 403, 404)},
    )
    def get(self, request, endpoint_id):
        page, more, cursor = keyset_page(_deliveries(request, endpoint_id), request.query_params)
        return Response(
            DeliveryPage.render(
                data=[delivery_payload(delivery) for delivery in page],
                has_more=more,
                next_cursor=cursor,
            )
        )


class EndpointRedeliverView(APIView):
    required_scope = "admin"
    atomic_request = False  # its claim on the delivery must be seen by workers while it waits

    @extend_schema(
        operation_id="redeliverWebhookDelivery",
        tags=["Webhook endpoints"],
        summary="Send a delivery again now, with the same event id",
        parameters=[
            ENDPOINT_ID,
            OpenApiParameter("delivery_id", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
        request=None,
        responses={200: DeliveryResponse, **doc.errors(400, 403, 404, 409, 415, 422)},
    )
    @idempotent
    def post(self, request, endpoint_id, delivery_id):
        """Answers with the delivery and its log, the new attempt last."""
        delivery = get_object_or_404(_deliveries(request, endpoint_id), pk=delivery_id)
        callbacks.redeliver(delivery)
        return Response(
            delivery_payload(get_object_or_404(_deliveries(request, endpoint_id), pk=delivery_id))
        )
