"""Merchant-level API routes (events and callback deliveries)."""

from django.urls import path

from webhooks import api

urlpatterns = [
    path("events", api.EventsView.as_view()),
    path("events/<uuid:event_id>/redeliver", api.RedeliverView.as_view()),
    path("merchant/test-callback", api.TestCallbackView.as_view()),
]
