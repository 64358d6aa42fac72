from django.apps import AppConfig


class GreenfieldConfig(AppConfig):
    name = "greenfield"
    verbose_name = "Greenfield API (BTCPay Server compatible)"
