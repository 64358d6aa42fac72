from django.apps import AppConfig


class PagesConfig(AppConfig):
    """Page helpers shared by the checkout, the payment links and the dashboard; an app only
    so that Django finds its template tags ({% load labels %})."""

    name = "pages"
