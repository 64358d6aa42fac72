"""Merchant-level API routes: the merchant's settings and wallets, events and deliveries."""

from django.urls import path

from webhooks import api

urlpatterns = [
    path("events", api.EventsView.as_view()),
    path("events/<uuid:event_id>/redeliver", api.RedeliverView.as_view()),
    path("merchant", api.MerchantView.as_view()),
    path("merchant/rotate-secret", api.RotateSecretView.as_view()),
    path("merchant/test-callback", api.TestCallbackView.as_view()),
    path("wallets", api.WalletsView.as_view()),
    path("wallets/<str:family>", api.WalletView.as_view()),
]
