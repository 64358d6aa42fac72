"""A payment link's public address: /l/<slug>."""

from django.urls import path

from links import views

app_name = "links"

urlpatterns = [
    path("<slug:slug>", views.link_page, name="link"),
    path("<slug:slug>/image", views.link_image, name="image"),
]
