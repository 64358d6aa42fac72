"""The webhooks API's shapes: each serializer renders the JSON and is what the OpenAPI
document describes (one definition per response)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from invoices.api import schema as doc
from invoices.api import serializers as s
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


class WebhookEndpointSerializer(s.StrictSerializer, serializers.ModelSerializer):
    """An endpoint as listed and changed; its secret is shown only when made or rotated."""

    url = s.CallbackUrlField(max_length=2000)
    events = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        help_text=f'["{ALL_EVENTS}"] (every event of its dialect) or the event types it wants',
    )
    dialect = serializers.ChoiceField(
        choices=WebhookEndpoint.Dialect.values,
        required=False,
        help_text="gateway: ours (X-Signature); greenfield: BTCPay Server's (BTCPay-Sig)",
    )
    default = serializers.BooleanField(
        source="is_default",
        read_only=True,
        help_text="the merchant's callback_url: it also carries invoices' own callback_url",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "enabled",
            "events",
            "dialect",
            "default",
            "failing_since",
            "created_at",
        ]
        read_only_fields = ["id", "failing_since", "created_at"]


class WebhookEndpointUpdateSerializer(WebhookEndpointSerializer):
    """What a PATCH may change: the dialect stays what it was made with."""

    url = s.CallbackUrlField(max_length=2000, required=False, allow_blank=True)

    class Meta(WebhookEndpointSerializer.Meta):
        read_only_fields = WebhookEndpointSerializer.Meta.read_only_fields + ["dialect"]


class WebhookEndpointSecretSerializer(WebhookEndpointSerializer):
    """An endpoint with its secret: the answer to its creation and to a rotation only."""

    secret = serializers.CharField(read_only=True, help_text="shown once")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = WebhookEndpointSerializer.Meta.fields + ["secret"]


class DeliverySerializer(serializers.ModelSerializer):
    """One event owed to one endpoint: where it stands and every attempt."""

    event_id = serializers.UUIDField(read_only=True)
    event = serializers.CharField(source="event.type", read_only=True)
    invoice_id = serializers.UUIDField(read_only=True)
    status = serializers.SerializerMethodField()
    attempts = doc.DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event_id",
            "event",
            "invoice_id",
            "sequence",
            "status",
            "created_at",
            "next_attempt_at",
            "delivered_at",
            "failed_at",
            "attempts",
        ]
        read_only_fields = fields

    @extend_schema_field(doc.component("DeliveryStatus"))
    def get_status(self, delivery) -> str:
        return callbacks.delivery_state(delivery)


WebhookEndpointPage = doc._page("WebhookEndpoint", WebhookEndpointSerializer)
DeliveryPage = doc._page("Delivery", DeliverySerializer)
