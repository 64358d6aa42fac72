from django.apps import AppConfig


class MerchantsConfig(AppConfig):
    name = "merchants"

    def ready(self) -> None:
        # The Monero backend (chains, a layer below) learns the merchants' watch wallets
        # from here, where they are stored.
        from chains.backends import monero
        from merchants.services import monero_watch_wallets

        monero.watch_wallets(monero_watch_wallets)
