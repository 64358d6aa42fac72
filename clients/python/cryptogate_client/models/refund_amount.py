from enum import StrEnum


class RefundAmount(StrEnum):
    EXCESS = "excess"
    RECEIVED = "received"

    def __str__(self) -> str:
        return str(self.value)
