"""Merchant-level API routes: the merchant's settings and wallets, webhook endpoints, events
and deliveries."""

from django.urls import path

from webhooks import api

urlpatterns = [
    path("events", api.EventsView.as_view()),
    path("events/<uuid:event_id>/redeliver", api.RedeliverView.as_view()),
    path("merchant", api.MerchantView.as_view()),
    path("merchant/rotate-secret", api.RotateSecretView.as_view()),
    path("merchant/test-callback", api.TestCallbackView.as_view()),
    path("webhook-endpoints", api.EndpointsView.as_view()),
    path("webhook-endpoints/<uuid:endpoint_id>", api.EndpointView.as_view()),
    path(
        "webhook-endpoints/<uuid:endpoint_id>/rotate-secret", api.EndpointRotateSecretView.as_view()
    ),
    path("webhook-endpoints/<uuid:endpoint_id>/deliveries", api.EndpointDeliveriesView.as_view()),
    path(
        "webhook-endpoints/<uuid:endpoint_id>/deliveries/<int:delivery_id>/redeliver",
        api.EndpointRedeliverView.as_view(),
    ),
    path("wallets", api.WalletsView.as_view()),
    path("wallets/<str:family>", api.WalletView.as_view()),
]
