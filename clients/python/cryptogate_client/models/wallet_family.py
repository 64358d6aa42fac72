from enum import StrEnum


class WalletFamily(StrEnum):
    BITCOIN = "bitcoin"
    EVM = "evm"
    LITECOIN = "litecoin"
    LITECOIN_REGTEST = "litecoin-regtest"
    MONERO = "monero"
    SANDBOX = "sandbox"
    TRON = "tron"

    def __str__(self) -> str:
        return str(self.value)
