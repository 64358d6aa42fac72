from django.apps import AppConfig


class ChainsConfig(AppConfig):
    name = "chains"

    def ready(self) -> None:
        from django.core import checks

        from chains import checks as chain_checks

        checks.register(chain_checks.configuration_check, "chains")
        checks.register(chain_checks.node_check, "chains", deploy=True)
