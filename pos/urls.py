"""A point of sale's secret address: /pos/<slug>."""

from django.urls import path

from pos import views

app_name = "pos"

urlpatterns = [
    path("<str:slug>", views.terminal_page, name="terminal"),
    path("<str:slug>/charge", views.charge, name="charge"),
    path("<str:slug>/sales/<uuid:invoice_id>", views.sale_status, name="sale"),
]
