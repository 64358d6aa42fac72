"""The webhooks API's requests and response shapes: each response is a `Shape`
(invoices.representation), which renders the JSON and is what the OpenAPI document
describes (one definition per response)."""

from rest_framework import serializers

from invoices.api import serializers as s
from invoices.representation import (
    DELIVERY_STATUSES,
    EVENT_TYPES,
    DeliveryAttemptResponse,
    Shape,
    nullable,
    page_of,
)
from webhooks import callbacks, endpoints
from webhooks.models import ALL_EVENTS, Delivery, WebhookEndpoint


class MerchantSerializer(s.MerchantSerializer):
    """The settings a merchant changes over the API (secrets are rotated, never set);
    `callback_url` and `callback_failing_since` are its default webhook endpoint's."""

    # Read from `merchant.default_endpoint`, which the view sets (an unsaved blank endpoint
    # when the merchant has none).

    callback_url = s.CallbackUrlField(
        source="default_endpoint.url", max_length=2000, required=False, allow_blank=True
    )
    callback_failing_since = serializers.DateTimeField(
        source="default_endpoint.failing_since", read_only=True, allow_null=True
    )

    class Meta(s.MerchantSerializer.Meta):
        fields = [
            *s.MerchantSerializer.Meta.fields[:3],
            "callback_url",
            "callback_failing_since",
            *s.MerchantSerializer.Meta.fields[3:],
        ]

    def update(self, instance, validated_data):
        """The callback URL goes to the default endpoint, the rest to the merchant."""
        if (default := validated_data.pop("default_endpoint", None)) is not None:
            instance.default_endpoint = endpoints.set_callback_url(
                merchant=instance, url=default["url"], actor=self.context["actor"]
            ) or WebhookEndpoint(url="")
        return super().update(instance, validated_data)


class WebhookEndpointRequest(s.StrictSerializer):
    """What makes an endpoint (its url checked by the egress guard when saved)."""

    url = s.CallbackUrlField(max_length=2000)
    enabled = s.StrictBooleanField(required=False)
    events = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        help_text=f'["{ALL_EVENTS}"] (every event of its dialect) or the event types it wants',
    )
    dialect = serializers.ChoiceField(
        choices=WebhookEndpoint.Dialect.values,
        required=False,
        help_text="cryptogate: ours (X-Signature); greenfield: BTCPay Server's (BTCPay-Sig)",
    )

    class Meta:
        ref_name = "WebhookEndpoint"  # the request component: WebhookEndpointRequest


class WebhookEndpointUpdateRequest(WebhookEndpointRequest):
    """What a PATCH may change (not the dialect; the default endpoint's url may be blank)."""

    url = s.CallbackUrlField(max_length=2000, required=False, allow_blank=True)
    dialect = None

    class Meta:
        ref_name = "WebhookEndpointUpdate"


# (Comments, not docstrings, on the shapes: drf-spectacular publishes a docstring.)
class WebhookEndpointResponse(Shape):
    # An endpoint as listed and changed; its secret is shown only when made or rotated.

    id = serializers.UUIDField()
    url = serializers.CharField(allow_blank=True, help_text="blank only on the default endpoint")
    enabled = serializers.BooleanField()
    events = serializers.ListField(child=serializers.CharField())
    dialect = serializers.ChoiceField(choices=WebhookEndpoint.Dialect.values)
    default = serializers.BooleanField(
        source="is_default",
        help_text="the merchant's callback_url: it also carries invoices' own callback_url",
    )
    failing_since = nullable(serializers.DateTimeField)
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "WebhookEndpoint"


class WebhookEndpointSecretResponse(WebhookEndpointResponse):
    # The answer to an endpoint's creation and to a rotation only.

    secret = serializers.CharField(help_text="shown once")

    class Meta:
        ref_name = "WebhookEndpointSecret"


class DeliveryResponse(Shape):
    # One event owed to one endpoint: where it stands and every attempt. Rendered with
    # `status` given (`delivery_payload`).

    id = serializers.IntegerField()
    event_id = serializers.UUIDField()
    event = serializers.ChoiceField(source="event.type", choices=EVENT_TYPES)
    invoice_id = serializers.UUIDField()
    sequence = serializers.IntegerField()
    status = serializers.ChoiceField(choices=DELIVERY_STATUSES)
    created_at = serializers.DateTimeField()
    next_attempt_at = nullable(serializers.DateTimeField)
    delivered_at = nullable(serializers.DateTimeField)
    failed_at = nullable(serializers.DateTimeField)
    attempts = DeliveryAttemptResponse(many=True)

    class Meta:
        ref_name = "Delivery"


def delivery_payload(delivery: Delivery) -> dict:
    return DeliveryResponse.render(delivery, status=callbacks.delivery_state(delivery))


WebhookEndpointPage = page_of("WebhookEndpoint", WebhookEndpointResponse)
DeliveryPage = page_of("Delivery", DeliveryResponse)
