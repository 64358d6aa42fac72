from django.urls import path

from invoices.api import views

urlpatterns = [
    path("invoices", views.InvoicesView.as_view()),
    path("invoices/<uuid:invoice_id>", views.InvoiceView.as_view()),
    path("invoices/by-foreign-id/<str:foreign_id>", views.InvoiceByForeignIdView.as_view()),
    path("invoices/<uuid:invoice_id>/cancel", views.CancelView.as_view()),
    path("invoices/by-foreign-id/<str:foreign_id>/cancel", views.CancelByForeignIdView.as_view()),
    path("invoices/<uuid:invoice_id>/archive", views.ArchiveView.as_view()),
    path("invoices/<uuid:invoice_id>/unarchive", views.UnarchiveView.as_view()),
    path("invoices/<uuid:invoice_id>/resolve", views.ResolveView.as_view()),
    path("invoices/<uuid:invoice_id>/review", views.ReviewView.as_view()),
    path("invoices/<uuid:invoice_id>/refunds", views.InvoiceRefundsView.as_view()),
    path("refunds", views.RefundsView.as_view()),
    path("refunds/<uuid:refund_id>", views.RefundView.as_view()),
    path("refunds/<uuid:refund_id>/cancel", views.RefundCancelView.as_view()),
    path("refunds/<uuid:refund_id>/mark-paid", views.RefundMarkPaidView.as_view()),
    path("currencies", views.CurrenciesView.as_view()),
    path("rates", views.RatesView.as_view()),
    path("sandbox/invoices/<uuid:invoice_id>/pay", views.SandboxPayView.as_view()),
    path("sandbox/mine", views.SandboxMineView.as_view()),
]
