"""BTCPay Greenfield paths, at the same base as our API (none collides with ours)."""

from django.urls import path

from greenfield import views, webhook_views

STORE = "stores/<str:store_id>"
INVOICE = f"{STORE}/invoices/<uuid:invoice_id>"
WEBHOOK = f"{STORE}/webhooks/<uuid:webhook_id>"
DELIVERY = f"{WEBHOOK}/deliveries/<int:delivery_id>"

urlpatterns = [
    path("api-keys/current", views.CurrentKeyView.as_view()),
    path("server/info", views.ServerInfoView.as_view()),
    path("stores", views.StoresView.as_view()),
    path(STORE, views.StoreView.as_view()),
    path(f"{STORE}/payment-methods", views.StorePaymentMethodsView.as_view()),
    path(f"{STORE}/invoices", views.StoreInvoicesView.as_view()),
    path(INVOICE, views.StoreInvoiceView.as_view()),
    path(f"{INVOICE}/payment-methods", views.InvoicePaymentMethodsView.as_view()),
    path(f"{INVOICE}/status", views.InvoiceStatusView.as_view()),
    path(f"{INVOICE}/refund", views.InvoiceRefundView.as_view()),
    path(f"{STORE}/webhooks", webhook_views.WebhooksView.as_view()),
    path(WEBHOOK, webhook_views.WebhookItemView.as_view()),
    path(f"{WEBHOOK}/deliveries", webhook_views.DeliveriesView.as_view()),
    path(DELIVERY, webhook_views.DeliveryView.as_view()),
    path(f"{DELIVERY}/request", webhook_views.DeliveryRequestView.as_view()),
    path(f"{DELIVERY}/redeliver", webhook_views.RedeliverView.as_view()),
]
