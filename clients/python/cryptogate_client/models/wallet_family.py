from enum import StrEnum


class WalletFamily(StrEnum):
    BITCOIN = "bitcoin"
    BITCOIN_TESTNET = "bitcoin-testnet"
    EVM = "evm"
    LITECOIN = "litecoin"
    LITECOIN_REGTEST = "litecoin-regtest"
    LITECOIN_TESTNET = "litecoin-testnet"
    MONERO = "monero"
    SANDBOX = "sandbox"
    TRON = "tron"

    def __str__(self) -> str:
        return str(self.value)
