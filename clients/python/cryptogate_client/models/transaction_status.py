from enum import StrEnum


class TransactionStatus(StrEnum):
    CONFIRMED = "confirmed"
    PENDING = "pending"
    REVERTED = "reverted"

    def __str__(self) -> str:
        return str(self.value)
