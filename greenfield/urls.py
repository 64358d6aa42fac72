"""BTCPay Greenfield paths, at the same base as our API (none collides with ours)."""

from django.urls import path

from greenfield import views

STORE = "stores/<str:store_id>"
INVOICE = f"{STORE}/invoices/<uuid:invoice_id>"

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
]
