"""Merchant-level API routes (events and callback deliveries)."""

urlpatterns = []
