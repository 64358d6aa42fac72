from django.apps import AppConfig


class GreenfieldConfig(AppConfig):
    name = "greenfield"
    verbose_name = "Greenfield API (BTCPay Server compatible)"

    def ready(self) -> None:
        """Greenfield webhook endpoints can be made and are sent BTCPay's events."""
        from greenfield.dialect import GREENFIELD
        from webhooks import dialects

        dialects.register(GREENFIELD)
