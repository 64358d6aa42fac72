"""BTCPay's webhook endpoints (`/stores/{storeId}/webhooks…`) over our webhook endpoints
(webhooks.endpoints): a Greenfield webhook is one of the merchant's endpoints in the
`greenfield` dialect, which our API (`/api/v1/webhook-endpoints`) lists and manages too."""

from __future__ import annotations

import json

from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import ErrorCode, GatewayError
from greenfield import mapping, webhooks
from greenfield.dialect import GREENFIELD
from greenfield.views import GreenfieldView
from invoices.api.serializers import CallbackUrlField
from merchants.auth import actor_of
from webhooks import callbacks, endpoints
from webhooks.models import Delivery, WebhookEndpoint


class AuthorizedEvents(serializers.Serializer):
    everything = serializers.BooleanField(required=False, default=True)
    specificEvents = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, allow_null=True
    )


class WebhookRequest(serializers.Serializer):
    url = CallbackUrlField(max_length=2000)
    enabled = serializers.BooleanField(required=False, default=True)
    automaticRedelivery = serializers.BooleanField(required=False, default=True)
    authorizedEvents = AuthorizedEvents(required=False, allow_null=True)
    secret = serializers.CharField(required=False, allow_null=True, allow_blank=True)

    def validate_secret(self, value: object) -> object:
        """Secrets are the gateway's (made when the endpoint is, shown in this answer)."""
        if value:
            raise serializers.ValidationError("the gateway makes the secret: leave it out")
        return value

    def validate_automaticRedelivery(self, value: object) -> object:
        if not value:
            raise serializers.ValidationError("failed deliveries are always retried")
        return value

    def changes(self) -> dict:
        data = self.validated_data
        return {
            "url": data["url"],
            "enabled": data["enabled"],
            "events": webhooks.event_filter(data.get("authorizedEvents")),
        }


def _in_greenfield_terms(exc: GatewayError) -> GatewayError:
    """The event filter's refusal, named as the client sent it."""
    if exc.param != "events":
        return exc
    return GatewayError(exc.code, "authorizedEvents.specificEvents", message=exc.message)


def _data(endpoint: WebhookEndpoint) -> dict:
    return webhooks.webhook_data(str(endpoint.pk), endpoint.url, endpoint.enabled, endpoint.events)


class WebhookView(GreenfieldView):
    permission = mapping.WEBHOOKS

    def endpoint(self, store_id: str, webhook_id: str) -> WebhookEndpoint:
        """One of the store's Greenfield endpoints (an endpoint of our dialect is not)."""
        found = WebhookEndpoint.objects.filter(
            merchant=self.store(store_id), dialect=GREENFIELD.name, pk=webhook_id
        ).first()
        if found is None:
            raise GatewayError(ErrorCode.NOT_FOUND)
        return found

    def delivery(self, store_id: str, webhook_id: str, delivery_id: str) -> Delivery:
        found = (
            Delivery.objects.filter(
                endpoint=self.endpoint(store_id, webhook_id),
                pk=delivery_id,
                invoice__livemode=self.request.auth.livemode,
            )
            .select_related("event", "endpoint", "invoice")
            .first()
        )
        if found is None:
            raise GatewayError(ErrorCode.NOT_FOUND)
        return found


class WebhooksView(WebhookView):
    def get(self, request: Request, store_id: str) -> Response:
        merchant = self.store(store_id)
        found = WebhookEndpoint.objects.filter(merchant=merchant, dialect=GREENFIELD.name)
        return Response([_data(endpoint) for endpoint in found])

    def post(self, request: Request, store_id: str) -> Response:
        merchant = self.store(store_id)
        given = WebhookRequest(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            endpoint = endpoints.create_endpoint(
                merchant=merchant,
                actor=actor_of(request),
                dialect=GREENFIELD.name,
                **given.changes(),
            )
        except GatewayError as exc:
            raise _in_greenfield_terms(exc) from None
        return Response({**_data(endpoint), "secret": endpoint.secret})


class WebhookItemView(WebhookView):
    def get(self, request: Request, store_id: str, webhook_id: str) -> Response:
        return Response(_data(self.endpoint(store_id, webhook_id)))

    def put(self, request: Request, store_id: str, webhook_id: str) -> Response:
        endpoint = self.endpoint(store_id, webhook_id)
        given = WebhookRequest(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            endpoint = endpoints.update_endpoint(
                endpoint=endpoint, changes=given.changes(), actor=actor_of(request)
            )
        except GatewayError as exc:
            raise _in_greenfield_terms(exc) from None
        return Response(_data(endpoint))

    def delete(self, request: Request, store_id: str, webhook_id: str) -> Response:
        endpoint = self.endpoint(store_id, webhook_id)
        endpoints.delete_endpoint(endpoint=endpoint, actor=actor_of(request))
        return Response()


def _delivery_data(delivery: Delivery) -> dict:
    """A sent delivery as BTCPay shows it: its last attempt's outcome (attempts prefetched,
    in their model's order: the last is the latest)."""
    last = list(delivery.attempts.all())[-1]
    return {
        "id": str(delivery.pk),
        "timestamp": int(delivery.created_at.timestamp()),
        "deliveryTime": int(last.attempted_at.timestamp()),
        "httpCode": last.status_code,
        "errorMessage": last.error,
        "status": webhooks.delivery_status(last.status_code, last.succeeded),
    }


class DeliveriesView(WebhookView):
    def get(self, request: Request, store_id: str, webhook_id: str) -> Response:
        """The deliveries sent at least once, newest first (BTCPay lists what it sent)."""
        sent = (
            Delivery.objects.filter(
                endpoint=self.endpoint(store_id, webhook_id),
                invoice__livemode=request.auth.livemode,
                attempts__isnull=False,
            )
            .distinct()
            .order_by("-created_at", "-pk")
            .prefetch_related("attempts")
        )
        return Response([_delivery_data(delivery) for delivery in sent[:100]])


class DeliveryView(WebhookView):
    def get(self, request: Request, store_id: str, webhook_id: str, delivery_id: str) -> Response:
        delivery = self.delivery(store_id, webhook_id, delivery_id)
        if not delivery.attempts.all():  # not sent yet: BTCPay shows what it sent
            raise GatewayError(ErrorCode.NOT_FOUND)
        return Response(_delivery_data(delivery))


class DeliveryRequestView(WebhookView):
    def get(self, request: Request, store_id: str, webhook_id: str, delivery_id: str) -> Response:
        """The body the delivery sends."""
        delivery = self.delivery(store_id, webhook_id, delivery_id)
        return Response(json.loads(GREENFIELD.body(delivery)))


class RedeliverView(WebhookView):
    atomic_request = False  # its claim on the delivery must be seen by workers meanwhile

    def post(self, request: Request, store_id: str, webhook_id: str, delivery_id: str) -> Response:
        """A new delivery of the same event, sent now (and retried if it fails, as any
        delivery); its id, as BTCPay answers."""
        delivery = self.delivery(store_id, webhook_id, delivery_id)
        again = callbacks.repeat_delivery(delivery, timezone.now())
        callbacks.redeliver(again)
        return Response(str(again.pk))
