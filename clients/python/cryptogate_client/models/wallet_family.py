from enum import StrEnum


class WalletFamily(StrEnum):
    BITCOIN = "bitcoin"
    EVM = "evm"
    LITECOIN = "litecoin"
    LITECOIN_REGTEST = "litecoin-regtest"
    SANDBOX = "sandbox"
    TRON = "tron"

    def __str__(self) -> str:
        return str(self.value)
