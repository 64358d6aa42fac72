"""The payer's pages."""

from django.urls import include, path

from checkout import views

app_name = "checkout"

urlpatterns = [
    path("pay/<str:invoice_id>", views.pay, name="pay"),
    path("pay/<str:invoice_id>/status", views.status, name="status"),
    path("pay/<str:invoice_id>/return", views.return_to_merchant, name="return"),
    path("pay/<str:invoice_id>/sandbox", views.sandbox_action, name="sandbox"),
    path("pay/<str:invoice_id>/email", views.give_email, name="email"),
    path("refund/", views.refund, name="refund"),  # the code comes in the POST, not the URL
    path("refund/<str:token>", views.refund_link, name="refund_link"),
    path("i18n/", include("django.conf.urls.i18n")),
]
